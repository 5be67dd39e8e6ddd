"""Benchmark of the data path every service is built on (issue: foundation, speed of the data path).

Compares one-row-by-id reads through: a raw asyncpg pool; the services' real stack (auth, request
ids, problems) reading with a FastQuery on the read pool; the same stack reading through
SessionDep (autocommit) and the SQLModel ORM; the ORM with the read in a transaction; a sync
SQLModel session in the threadpool. Each app runs in its own uvicorn process (one worker)
against the same fresh PostgreSQL database; wrk drives the load. Prints requests/s, p50/p99 and
the ratio to the raw driver (goal for the real stack: >= 0.6), and the SQL statements each request
sends to the server (counted from PostgreSQL's statement log for the benchmark database).

    uv run python benchmarks/data_path.py [--seconds 10] [--connections 8 32]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import app_process, free_port, fresh_pg_database, require, wrk

from hanke_libs.auth import issue_dev_token
from hanke_libs.settings import AppSettings

VARIANTS = ["raw", "stack-fast", "stack", "stack-tx", "sync"]
ROWS = 10_000
PG_LOG = Path("/var/log/postgresql")


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
    url: str, variant: str, headers: dict[str, str], requests: int = 50
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
        env = {"BENCH_VARIANT": variant, "BENCH_DATABASE_URL": url}
        with (
            app_process("data_path_apps:create_app", free_port(), env, app_dir=Path(__file__).parent) as base,
            httpx.Client(base_url=base, headers=headers) as client,
        ):
            client.get("/items/1").raise_for_status()
            start = log.stat().st_size
            for i in range(requests):
                client.get(f"/items/{i + 1}").raise_for_status()
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    require("wrk", "wrk")
    token = issue_dev_token(AppSettings(), roles=["admin"], subject="bench")
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[tuple[str, int], tuple[float, float, float]] = {}
    stmts: dict[str, float | None] = {}
    with fresh_pg_database("hanke_bench_data_path") as url:
        prepare(url)
        for variant in VARIANTS:
            port = free_port()
            env = {"BENCH_VARIANT": variant, "BENCH_DATABASE_URL": url}
            with app_process("data_path_apps:create_app", port, env, app_dir=Path(__file__).parent) as base:
                item = f"{base}/items/{random.randint(1, ROWS)}"
                wrk(item, connections=8, seconds=2, headers=headers)  # warm-up
                for c in args.connections:
                    r = wrk(item, connections=c, seconds=args.seconds, headers=headers)
                    if r.errors:
                        sys.exit(f"{variant}: {r.errors} non-2xx responses")
                    results[(variant, c)] = (r.rps, r.p50_ms, r.p99_ms)
            stmts[variant] = statements_per_request(url, variant, headers)
    print(f"\nOne row by id on PostgreSQL, one uvicorn worker per app, wrk -t2, {args.seconds}s per run\n")
    print(f"{'variant':<10}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x raw':>8}{'stmts/req':>11}")
    for c in args.connections:
        raw_rps = results[("raw", c)][0]
        for variant in VARIANTS:
            rps, p50, p99 = results[(variant, c)]
            st = stmts.get(variant)
            st_text = f"{st:.1f}" if st is not None else "n/a"
            print(f"{variant:<10}{c:>6}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{rps / raw_rps:>8.2f}{st_text:>11}")
    for variant in ("stack-fast", "stack"):
        worst = min(results[(variant, c)][0] / results[("raw", c)][0] for c in args.connections)
        verdict = "meets" if worst >= 0.6 else "misses"
        print(f"{variant} / raw driver, worst case: {worst:.2f} ({verdict} the 0.6 goal)")


if __name__ == "__main__":
    main()
