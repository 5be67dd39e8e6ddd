"""Benchmark of the data path every service is built on (issue: foundation, speed of the data path).

Compares one-row-by-id reads through: a raw asyncpg pool; the services' real stack (auth, request
ids, problems) reading with a FastQuery on the read pool; the same stack reading through
SessionDep (autocommit) and the SQLModel ORM; the ORM with the read in a transaction; a sync
SQLModel session in the threadpool; and a real service: the budget service
(``budget.main:create_app``) answering ``GET /projects/S21894/costs/{id}`` (one ledger entry,
with its project and payment claim, behind its own auth and finance rule) on a database built by
its migrations, seeded, with a few thousand entries imported through the ledger import. Each app
runs in its own uvicorn process (one worker); the synthetic variants share one fresh PostgreSQL
database (table ``bench_item``), the service has its own. wrk drives the load. Prints requests/s,
p50/p99 and the ratio to the raw driver in the same run (goal for the real stack and the service:
>= 0.6), and the SQL statements each request sends to the server (counted from PostgreSQL's
statement log for the benchmark database). Variants run in turn, ``--rounds`` times, each keeping
its best round: load from elsewhere on the machine then falls on all of them alike.

Then (``--hot``, on by default) every hot read of the front ends (``hot_reads.py``): budget's
project, a pilot with its indicators as admin and as a champion (a peer look-up in participants,
cached 5 s), a person, a champion, the first pages of the pilots and people lists, each against a
raw asyncpg endpoint on the same table(s), with each app's RSS after its run, once per worker count
(``--workers 1 2``: each service and each raw endpoint with that many uvicorn workers); and (``--gateway``)
``gateway_proxy.py`` on PostgreSQL: the gateway's proxied read against nginx and the situational
picture against its slowest upstream call.

    uv run python benchmarks/data_path.py [--seconds 8] [--connections 8 32] [--rounds 2]
                                          [--variants raw service] [--no-hot] [--no-gateway]
                                          [--reads project person ...] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import RUNNING, app_process, free_port, fresh_pg_database, require, rss_mb, wrk

from hanke_libs.auth import issue_dev_token
from hanke_libs.settings import AppSettings

VARIANTS = ["raw", "stack-fast", "stack", "stack-tx", "sync", "service"]
ROWS = 10_000
SERVICE_ENTRIES = 5_000
PG_LOG = Path("/var/log/postgresql")
APPS_DIR = Path(__file__).parent


@dataclass
class Target:
    """How to start one variant's app and which path it answers."""

    factory: str
    env: dict[str, str]
    path: Callable[[int], str]
    app_dir: Path | None
    headers: dict[str, str] = field(default_factory=dict)
    workers: int = 1

    def run(self, port: int) -> AbstractContextManager[str]:
        return app_process(self.factory, port, self.env, app_dir=self.app_dir, workers=self.workers)


def synthetic(variant: str, url: str) -> Target:
    env = {"BENCH_VARIANT": variant, "BENCH_DATABASE_URL": url}
    return Target("data_path_apps:create_app", env, lambda n: f"/items/{n}", APPS_DIR)


def prepare_service(url: str) -> list[int]:
    """Migrate, seed and fill the budget database; returns the ids of the imported entries."""
    from budget_figures import load

    from budget.db import migrate
    from budget.seed import IDK_CODE, seed
    from hanke_libs.db import Database

    migrate(url)

    async def fill() -> None:
        db = Database(url, null_pool=True)
        try:
            await seed(db)
            await load(db, 0, SERVICE_ENTRIES, SERVICE_ENTRIES)
        finally:
            await db.dispose()

    asyncio.run(fill())
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        ids = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT e.id FROM cost_entry e JOIN project p ON p.id = e.project_id "
                    "WHERE p.code = :code ORDER BY e.id"
                ),
                {"code": IDK_CODE},
            )
        ]
    engine.dispose()
    return ids


def service(url: str, ids: list[int]) -> Target:
    env = {
        "HANKE_BUDGET_DATABASE_URL": url,
        "HANKE_BUDGET_LOG_LEVEL": "WARNING",
        "HANKE_BUDGET_LOG_JSON": "true",
    }
    return Target(
        "budget.main:create_app", env, lambda n: f"/projects/S21894/costs/{ids[n % len(ids)]}", None
    )


def prepare(url: str) -> None:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE bench_item (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "owner VARCHAR NOT NULL, amount_cents BIGINT NOT NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bench_item SELECT g, 'item ' || g, 'owner ' || (g % 97), g * 100 FROM generate_series(1, :n) g"
            ),
            {"n": ROWS},
        )
    engine.dispose()


def statements_per_request(
    url: str, target: Target, headers: dict[str, str], requests: int = 50
) -> float | None:
    """Statements the server logged for the benchmark database per request (None if unreadable).

    A fresh app process is started after statement logging is switched on for the benchmark
    database, so its connections log; one warm-up request opens the pool first.
    """
    logs = sorted(PG_LOG.glob("postgresql-*-main.log"))
    dbname = make_url(url).database
    if not logs:
        return None
    log = logs[-1]
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE \"{dbname}\" SET log_statement = 'all'"))
    try:
        with (
            target.run(free_port()) as base,
            httpx.Client(base_url=base, headers=headers) as client,
        ):
            client.get(target.path(1)).raise_for_status()
            start = log.stat().st_size
            for i in range(requests):
                client.get(target.path(i + 1)).raise_for_status()
        with log.open("rb") as fh:
            fh.seek(start)
            chunk = fh.read().decode(errors="replace")
        marker = f"@{dbname} LOG:"
        count = sum(
            1 for line in chunk.splitlines() if marker in line and ("statement:" in line or "execute" in line)
        )
        return count / requests
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{dbname}" RESET log_statement'))
        admin.dispose()


Figures = tuple[float, float, float]  # req/s, p50 ms, p99 ms


def measure(
    target: Target, variant: str, args: argparse.Namespace, headers: dict[str, str], strict: bool = True
) -> tuple[dict[int, Figures], float | None]:
    """One round of one variant: a fresh app process, a warm-up, a wrk run per connection count;
    the figures per connection count and the app's RSS (MB) after its runs. A run with non-2xx
    responses stops the benchmark (``strict``) or is said and left out of the figures."""
    out: dict[int, Figures] = {}
    headers = target.headers or headers
    with target.run(free_port()) as base:
        item = f"{base}{target.path(random.randint(1, ROWS))}"
        httpx.get(item, headers=headers).raise_for_status()
        wrk(item, connections=8, seconds=2, headers=headers)  # warm-up
        for c in args.connections:
            r = wrk(item, connections=c, seconds=args.seconds, headers=headers)
            if r.errors and strict:
                sys.exit(f"{variant}: {r.errors} non-2xx responses")
            if r.errors:
                print(
                    f"{variant}, {c} conns: {r.errors} non-2xx responses; this run is not counted", flush=True
                )
                continue
            out[c] = (r.rps, r.p50_ms, r.p99_ms)
        rss = rss_mb(RUNNING[base])
    return out, rss


def keep_best(results: dict[tuple[str, int], Figures], variant: str, figures: dict[int, Figures]) -> None:
    for c, r in figures.items():
        if (variant, c) not in results or r[0] > results[(variant, c)][0]:
            results[(variant, c)] = r


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=VARIANTS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hot", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--reads", nargs="+", metavar="READ", help="only these hot reads (default: all)")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="uvicorn workers per app for the hot reads, in turn",
    )
    parser.add_argument("--gateway", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    variants = ["raw"] + [v for v in args.variants if v != "raw"]
    require("wrk", "wrk")
    token = issue_dev_token(AppSettings(), roles=["admin"], subject="bench")
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[tuple[str, int], tuple[float, float, float]] = {}
    stmts: dict[str, float | None] = {}
    with (
        fresh_pg_database("hanke_bench_data_path") as url,
        fresh_pg_database("hanke_bench_budget") as budget_url,
    ):
        prepare(url)
        targets = {v: synthetic(v, url) for v in variants if v != "service"}
        if "service" in variants:
            ids = prepare_service(budget_url)
            print(f"budget service database: migrated, seeded, {len(ids)} cost entries imported", flush=True)
            targets["service"] = service(budget_url, ids)
        # Rounds run every variant in turn, so load from elsewhere on the machine falls on all of
        # them alike; each variant keeps its best round (noise only ever slows a run down).
        for _ in range(args.rounds):
            for variant in variants:
                keep_best(results, variant, measure(targets[variant], variant, args, headers)[0])
        for variant in variants:
            db_url = budget_url if variant == "service" else url
            stmts[variant] = statements_per_request(db_url, targets[variant], headers)
    load_after = os.getloadavg()[0]
    print(
        f"\nOne row by id on PostgreSQL, one uvicorn worker per app, wrk -t2, {args.seconds}s per run, "
        f"best of {args.rounds} round(s); load average {load_before:.1f} before, {load_after:.1f} after\n"
    )
    print(f"{'variant':<11}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x raw':>8}{'stmts/req':>11}")
    for c in args.connections:
        raw_rps = results[("raw", c)][0]
        for variant in variants:
            rps, p50, p99 = results[(variant, c)]
            st = stmts.get(variant)
            st_text = f"{st:.1f}" if st is not None else "n/a"
            print(f"{variant:<11}{c:>6}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{rps / raw_rps:>8.2f}{st_text:>11}")
    for variant in ("stack-fast", "stack", "service"):
        if variant not in variants:
            continue
        worst = min(results[(variant, c)][0] / results[("raw", c)][0] for c in args.connections)
        verdict = "meets" if worst >= 0.6 else "misses"
        print(f"{variant} / raw driver, worst case: {worst:.2f} ({verdict} the 0.6 goal)")
    if args.hot:
        from hot_reads import run_hot_reads

        run_hot_reads(args)
    if args.gateway:
        print("\nThe gateway (gateway_proxy.py on PostgreSQL, budget's project behind it)", flush=True)
        cmd = [
            sys.executable,
            str(APPS_DIR / "gateway_proxy.py"),
            "--db",
            "postgresql",
            "--service",
            "budget",
        ]
        cmd += ["--duration", str(args.seconds), "--connections", ",".join(map(str, args.connections))]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
