"""The budget service behind a real PgBouncer in transaction pooling, served by two uvicorn workers.

Both drivers go through PgBouncer: psycopg (``hanke migrate``), asyncpg (``hanke seed`` and the
running app, through SQLAlchemy and the fast read pool), with ``DB_PGBOUNCER=true``. Reads and
writes are fired concurrently, several rounds; every one must succeed and every write must land.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from budget.config import Settings
from hanke_cli.main import main
from hanke_libs.testing import backends, bearer, create_pg_database, drop_pg_database
from tests.budget.conftest import IDK, KUOPIO, entry
from tests.deploy.pgbouncer import PgBouncer, pgbouncer_binary
from tests.gateway.servers import free_port

pytestmark = pytest.mark.skipif(
    "postgresql" not in backends(), reason="PgBouncer needs the PostgreSQL backend"
)
ROUNDS, WRITES, READS = 4, 10, 20


@pytest.fixture
def bouncer(database: str) -> Iterator[PgBouncer]:
    """PgBouncer in front of the test server; stopped before ``database`` is dropped."""
    binary = pgbouncer_binary()
    if binary is None:
        pytest.skip("pgbouncer is not installed and could not be installed (apt-get install pgbouncer)")
    with PgBouncer(binary) as running_bouncer:
        yield running_bouncer


@pytest.fixture
def database() -> Iterator[str]:
    url = create_pg_database("hanke_test_bouncer")
    try:
        yield url
    finally:
        drop_pg_database(url)


def wait_ready(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120  # a loaded machine starts two workers slowly
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the budget service did not become ready")


async def traffic(base: str, headers: dict[str, str]) -> tuple[list[int], set[str]]:
    """Rounds of concurrent writes and reads; the statuses, and the ids of the entries written."""
    statuses: list[int] = []
    ids: set[str] = set()
    # No keep-alive: every request is a new connection, which either worker may accept.
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30, limits=limits) as client:
        first = await client.post(f"/projects/{IDK}/costs", json=entry(voucher_ref="B-0"))
        assert first.status_code == 201, first.text
        ids.add(first.json()["id"])
        for n in range(ROUNDS):
            writes = [
                client.post(f"/projects/{IDK}/costs", json=entry(voucher_ref=f"B-{n}-{i}"))
                for i in range(WRITES)
            ]
            reads = [
                client.get(f"/projects/{IDK}/costs/{first.json()['id']}")
                if i % 3 == 0
                else client.get(f"/projects/{IDK}" if i % 3 == 1 else f"/projects/{IDK}/summary")
                for i in range(READS)
            ]
            answers = await asyncio.gather(*writes, *reads)
            statuses += [a.status_code for a in answers]
            ids |= {a.json()["id"] for a in answers[:WRITES] if a.status_code == 201}
            bad = [a.text for a in answers if a.status_code >= 300]
            assert not bad, bad[:3]
    return statuses, ids


def test_reads_and_writes_through_pgbouncer_with_two_workers(
    bouncer: PgBouncer, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    via = bouncer.url_for(database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANKE_")}
    env.update(
        HANKE_BUDGET_DATABASE_URL=via,
        HANKE_BUDGET_DB_PGBOUNCER="true",
        HANKE_BUDGET_PORT=str(port),
        HANKE_BUDGET_WORKERS="2",
        HANKE_BUDGET_LOG_JSON="false",
        HANKE_BUDGET_LOG_LEVEL="WARNING",
    )
    for name in ("HANKE_BUDGET_DATABASE_URL", "HANKE_BUDGET_DB_PGBOUNCER"):
        monkeypatch.setenv(name, env[name])
    assert main(["migrate", "budget"]) == 0  # psycopg through PgBouncer
    assert main(["seed", "budget"]) == 0  # asyncpg through PgBouncer
    proc = subprocess.Popen(
        [sys.executable, "-m", "hanke_cli.main", "serve", "budget"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        headers = bearer(Settings(), "finance", implementer=KUOPIO, subject="kirsi")
        statuses, ids = asyncio.run(traffic(base, headers))
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert len(statuses) == ROUNDS * (WRITES + READS) and all(200 <= s < 300 for s in statuses)
    assert len(ids) == 1 + ROUNDS * WRITES

    # Every write landed, once, in the real database behind PgBouncer.
    engine = create_engine(make_url(database).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM cost_entry")).scalar_one()
    finally:
        engine.dispose()
    assert stored == len(ids)
