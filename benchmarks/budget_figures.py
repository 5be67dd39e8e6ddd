"""Benchmark (a script, not a test): do the budget figures stay fast as the ledger grows?

Loads 200 000 ledger rows through the real import path (``budget.ledger.imports.import_ledger``, which
validates every row and keeps the summary table in the same transaction) and measures the latency of
the utilisation and funding figures over HTTP (in process) at 2 000 and at 200 000 rows. The goal
for the ratio is at most 2: the figures read the summary (implementers × categories × months), never
the ledger.

Database: PostgreSQL when ``HANKE_BENCH_POSTGRES_URL`` (an admin URL) or the default
``postgresql://postgres@127.0.0.1:5432/postgres`` is reachable (a fresh database is created and
dropped afterwards), else a temporary SQLite file.

    uv run python benchmarks/budget_figures.py [--rows 200000] [--batch 20000] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from budget.config import Settings
from budget.db import migrate
from budget.ledger.imports import import_ledger
from budget.main import create_app
from budget.seed import IDK_CODE, KUOPIO, SAVONIA, seed
from hanke_libs.db import Database
from hanke_libs.testing import bearer, running

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


class NoPilots:
    """The generated rows name no pilot, so the pilots service is never asked."""

    async def relation(self, pilot_id: str) -> None:
        raise AssertionError(f"the benchmark's rows name no pilot, yet {pilot_id!r} was asked for")


NO_PILOTS = NoPilots()
HEADER = "Tosite;Tositepäivä;Tili;Tilin nimi;Kustannuspaikka;Projekti;Selite;Debet;Kredit;Kustannuslaji;Toteuttaja\r\n"
ACCOUNTS = [
    ("4000", "Palkat"),
    ("4000", "Palkat"),
    ("4110", "Eläkekulut"),
    ("4340", "Asiantuntijapalvelut"),
    ("4410", "Matkat"),
    ("4500", "Muut kulut"),
    ("4710", "Vuokrat"),
    ("3300", "Tuet"),
]


def pg_admin_url() -> str | None:
    url = os.environ.get("HANKE_BENCH_POSTGRES_URL", DEFAULT_PG)
    try:
        engine = create_engine(
            make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception:
        return None


def rows_csv(start: int, count: int) -> bytes:
    lines = [HEADER]
    for n in range(start, start + count):
        account, name = ACCOUNTS[n % len(ACCOUNTS)]
        month = n % 36
        day, mon, year = 1 + n % 28, 1 + month % 12, 2020 + month // 12
        impl = KUOPIO if n % 3 else SAVONIA
        cents = 1000 + (n * 7919) % 500000
        amount = f"{cents // 100},{cents % 100:02d}"
        debit, credit = (amount, "") if account != "3300" and n % 50 else ("", amount)
        lines.append(
            f"B-{n};{day}.{mon}.{year};{account};{name};1721;{IDK_CODE};{name} {mon}/{year};{debit};{credit};;{impl}\r\n"
        )
    return "".join(lines).encode("utf-8")


async def load(db: Database, start: int, count: int, batch: int) -> float:
    """Import ``count`` rows in files of ``batch``; returns the seconds it took."""
    began = time.perf_counter()
    for offset in range(start, start + count, batch):
        size = min(batch, start + count - offset)
        content = rows_csv(offset, size)
        async with db.write_session() as session:
            report = await import_ledger(
                session=session,
                project_code=IDK_CODE,
                content=content,
                implementer=KUOPIO,
                dry_run=False,
                actor="benchmark",
                pilots=NO_PILOTS,
            )
            assert report.added == size, report.as_dict() | {"lines": report.lines[:3]}
            await session.commit()
        if os.environ.get("BENCH_VERBOSE"):
            print(f"  rows {offset + size}: {time.perf_counter() - began:.1f} s", flush=True)
    return time.perf_counter() - began


async def latency(settings: Settings, path: str, runs: int = 40) -> float:
    """Median milliseconds of GET ``path`` (after warm-up)."""
    headers = bearer(settings, "project_manager")
    async with running(create_app(settings)) as client:
        for _ in range(5):
            assert (await client.get(path, headers=headers)).status_code == 200
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            response = await client.get(path, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
    return statistics.median(times)


async def main(total: int, batch: int, force_sqlite: bool) -> None:
    admin = None if force_sqlite else pg_admin_url()
    cleanup = None
    if admin:
        name = f"hanke_bench_budget_{uuid.uuid4().hex[:8]}"
        engine = create_engine(
            make_url(admin).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)

        def cleanup() -> None:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'budget-bench.db'}"
    backend = make_url(url).get_backend_name()
    print(f"budget figures benchmark on {backend} ({total} rows, files of {batch})")
    try:
        migrate(url)
        settings = Settings(database_url=url, log_json=False, log_level="WARNING")
        db = Database(url, null_pool=True)
        await seed(db)
        small = 2000
        seconds = await load(db, 0, small, batch)
        paths = {
            "utilisation": f"/projects/{IDK_CODE}/figures/utilisation",
            "funding": f"/projects/{IDK_CODE}/figures/funding",
            "summary": f"/projects/{IDK_CODE}/summary",
        }
        before = {k: await latency(settings, p) for k, p in paths.items()}
        seconds += await load(db, small, total - small, batch)
        after = {k: await latency(settings, p) for k, p in paths.items()}
        await db.dispose()
        print(
            f"import: {total} rows in {seconds:.1f} s = {total / seconds:,.0f} rows/s (validated, summaries and audit in the same transaction)"
        )
        for key in paths:
            ratio = after[key] / before[key]
            verdict = "ok" if ratio <= 2 else "OVER GOAL"
            print(
                f"{key:12s}: {before[key]:7.2f} ms at {small} rows, {after[key]:7.2f} ms at {total} rows, ratio {ratio:.2f} ({verdict}, goal <= 2)"
            )
    finally:
        if cleanup:
            cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even if PostgreSQL is reachable")
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.batch, args.sqlite))
