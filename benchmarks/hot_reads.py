"""The hot reads measured by ``data_path.py --hot``: what front ends read on every page.

Each hot read is a real service route (budget, pilots or participants, migrated and seeded on a fresh
PostgreSQL database, with HR people imported and a champion enrolled) next to a raw asyncpg endpoint
(``data_path_apps`` variant ``raw-sql``) reading the same table(s) of the same database in one
statement. The pilots service asks the participants service about champions (ADR 0001), so a running
participants app is its peer throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from harness import app_process, free_port
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hanke_libs.auth import issue_dev_token
from hanke_libs.settings import AppSettings

APPS_DIR = Path(__file__).parent
PROJECT = "S21894"
PEOPLE = 2_000
CHAMPION_PERSON_SUBJECT = "bench-champion"


@dataclass
class HotRead:
    """One hot read: the service route, the role it is read as and the raw statement beside it."""

    name: str
    service: str
    path: str
    raw_sql: str
    raw_arg: str
    roles: list[str] = field(default_factory=lambda: ["admin"])
    person_id: str | None = None

    def headers(self) -> dict[str, str]:
        extra = {"person_id": self.person_id} if self.person_id else None
        token = issue_dev_token(AppSettings(), roles=self.roles, subject="bench", extra=extra)
        return {"Authorization": f"Bearer {token}"}


@dataclass
class Facts:
    urls: dict[str, str]
    pilot_id: str
    person_id: str
    champion_id: str
    champion_person_id: str


def _sync(url: str):  # type: ignore[no-untyped-def]
    return create_engine(make_url(url).set(drivername="postgresql+psycopg"))


def prepare(urls: dict[str, str]) -> Facts:
    """Migrate and seed the three services' databases, import people, enrol one champion."""
    from gateway_bench_support import prepare_databases
    from participants_import import DATA, hr_import, people_rows, to_csv

    from hanke_libs.db import Database
    from participants.hr_import import import_hr_org_units

    prepare_databases(urls)
    pilots = _sync(urls["pilots"])
    with pilots.begin() as conn:
        pilot_id = conn.execute(
            text(
                "SELECT p.id FROM pilot p LEFT JOIN indicator i ON i.pilot_id = p.id "
                "WHERE p.project_code = :code GROUP BY p.id ORDER BY count(i.id) DESC, p.id LIMIT 1"
            ),
            {"code": PROJECT},
        ).scalar_one()
        conn.execute(text("ANALYZE"))
    pilots.dispose()

    async def people() -> None:
        db = Database(urls["participants"], null_pool=True)
        try:
            async with db.write_session() as session:
                units = (DATA / "hr-org-units.csv").read_bytes()
                await import_hr_org_units(
                    session=session, data=units, filename="units.csv", actor="benchmark", dry_run=False
                )
                await session.commit()
            await hr_import(db, to_csv(people_rows(PEOPLE)))
        finally:
            await db.dispose()

    asyncio.run(people())
    participants = _sync(urls["participants"])
    with participants.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM person ORDER BY employee_number LIMIT 2"))]
        person_id, champion_person = ids
        champion_id = "bench-champion-0001"
        conn.execute(
            text(
                "INSERT INTO champion (id, person_id, project_code, role, start_date, created_at) "
                "VALUES (:id, :person, :code, 'champion', DATE '2025-01-01', now())"
            ),
            {"id": champion_id, "person": champion_person, "code": PROJECT},
        )
        conn.execute(
            text(
                "INSERT INTO champion_pilot (champion_id, pilot_id, role, start_date) "
                "VALUES (:id, :pilot, 'champion', DATE '2025-01-01')"
            ),
            {"id": champion_id, "pilot": pilot_id},
        )
        conn.execute(text("ANALYZE"))
    participants.dispose()
    return Facts(urls, pilot_id, person_id, champion_id, champion_person)


def hot_reads(f: Facts) -> list[HotRead]:
    pilot_raw = (
        "SELECT p.*, (SELECT json_agg(i ORDER BY i.id) FROM indicator i WHERE i.pilot_id = p.id) AS indicators "
        "FROM pilot p WHERE p.id = $1"
    )
    return [
        HotRead(
            "project",
            "budget",
            f"/projects/{PROJECT}",
            "SELECT p.*, (SELECT json_agg(i) FROM project_implementer i WHERE i.project_id = p.id) AS impl, "
            "(SELECT json_agg(s) FROM funding_source s WHERE s.project_id = p.id) AS sources "
            "FROM project p WHERE p.code = $1",
            PROJECT,
        ),
        HotRead("pilot-admin", "pilots", f"/pilots/{f.pilot_id}", pilot_raw, f.pilot_id),
        HotRead(
            "pilot-champion",
            "pilots",
            f"/pilots/{f.pilot_id}",
            pilot_raw,
            f.pilot_id,
            roles=["champion"],
            person_id=f.champion_person_id,
        ),
        HotRead(
            "person",
            "participants",
            f"/people/{f.person_id}",
            "SELECT * FROM person WHERE id = $1",
            f.person_id,
        ),
        HotRead(
            "champion",
            "participants",
            f"/champions/{f.champion_id}",
            "SELECT c.*, (SELECT json_agg(e) FROM champion_pilot e WHERE e.champion_id = c.id) AS pilots, "
            "(SELECT display_name FROM person WHERE id = c.person_id) FROM champion c WHERE c.id = $1",
            f.champion_id,
        ),
        HotRead(
            "pilots-list",
            "pilots",
            f"/projects/{PROJECT}/pilots",
            "SELECT * FROM pilot WHERE project_code = $1 ORDER BY created_at, id LIMIT 51",
            PROJECT,
        ),
        HotRead(
            "people-list",
            "participants",
            "/people",
            "SELECT * FROM person WHERE length($1) > 0 ORDER BY family_name, given_name, id LIMIT 51",
            "x",
        ),
    ]


def service_env(service: str, url: str, participants_base: str) -> dict[str, str]:
    prefix = f"HANKE_{service.upper()}_"
    env = {prefix + "DATABASE_URL": url, prefix + "LOG_LEVEL": "WARNING", prefix + "LOG_JSON": "true"}
    if service == "pilots":
        env[prefix + "PARTICIPANTS_URL"] = participants_base
    return env


def raw_env(read: HotRead, url: str) -> dict[str, str]:
    return {
        "BENCH_VARIANT": "raw-sql",
        "BENCH_DATABASE_URL": url,
        "BENCH_RAW_SQL": json.dumps(read.raw_sql),
    }


@contextmanager
def participants_peer(urls: dict[str, str]) -> Iterator[str]:
    """The participants app the pilots service asks about champions, for the whole run."""
    env = service_env("participants", urls["participants"], "")
    with app_process("participants.main:create_app", free_port(), env) as base:
        yield base


def run_hot_reads(args: argparse.Namespace) -> None:
    """Measure every hot read against its raw endpoint, in rounds, per worker count; print the tables."""
    from data_path import Figures, Target, keep_best, measure, statements_per_request
    from harness import fresh_pg_database

    with (
        fresh_pg_database("hanke_bench_hot_budget") as budget,
        fresh_pg_database("hanke_bench_hot_pilots") as pilots,
        fresh_pg_database("hanke_bench_hot_participants") as participants,
    ):
        facts = prepare({"budget": budget, "pilots": pilots, "participants": participants})
        reads = [r for r in hot_reads(facts) if not args.reads or r.name in args.reads]
        print(f"\nhot reads: databases migrated and seeded, {PEOPLE} people imported", flush=True)
        with participants_peer(facts.urls) as peer:
            tables = []
            for workers in args.workers:
                targets: dict[str, Target] = {}
                for r in reads:
                    url = facts.urls[r.service]
                    env = service_env(r.service, url, peer)
                    factory = f"{r.service}.main:create_app"
                    targets[r.name] = Target(factory, env, lambda n, p=r.path: p, None, r.headers(), workers)
                    raw = lambda n, a=r.raw_arg: f"/raw/{a}"  # noqa: E731
                    targets["raw " + r.name] = Target(
                        "data_path_apps:create_app", raw_env(r, url), raw, APPS_DIR, workers=workers
                    )
                results: dict[tuple[str, int], Figures] = {}
                rss: dict[str, float | None] = {}
                for _ in range(args.rounds):
                    for name, target in targets.items():
                        figures, rss_now = measure(target, name, args, {}, strict=False)
                        keep_best(results, name, figures)
                        rss[name] = max(filter(None, [rss.get(name), rss_now]), default=None)
                tables.append((workers, results, rss))
            stmts: dict[str, float | None] = {}
            for r in reads:
                target = Target(
                    f"{r.service}.main:create_app",
                    service_env(r.service, facts.urls[r.service], peer),
                    lambda n, p=r.path: p,
                    None,
                    r.headers(),
                )
                try:
                    stmts[r.name] = statements_per_request(facts.urls[r.service], target, target.headers)
                except httpx.HTTPStatusError as exc:  # e.g. a peer look-up refused under load
                    print(f"{r.name}: statements not counted ({exc.response.status_code})")
                    stmts[r.name] = None
    for workers, results, rss in tables:
        print_table(reads, args, workers, results, rss, stmts)


def print_table(
    reads: list[HotRead],
    args: argparse.Namespace,
    workers: int,
    results: dict[tuple[str, int], tuple[float, float, float]],
    rss: dict[str, float | None],
    stmts: dict[str, float | None],
) -> None:
    print(
        f"\nHot reads on PostgreSQL, {workers} uvicorn worker(s) per app (raw endpoints alike), best of {args.rounds} round(s)\n"
    )
    print(
        f"{'hot read':<16}{'conns':>6}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'raw r/s':>9}{'x raw':>7}"
        f"{'stmts/req':>10}{'RSS MB':>8}{'raw RSS':>8}"
    )
    worst: dict[str, float] = {}
    for c in args.connections:
        for r in reads:
            if (r.name, c) not in results or ("raw " + r.name, c) not in results:
                print(f"{r.name:<16}{c:>6}  n/a: every round had non-2xx responses")
                continue
            rps, p50, p99 = results[(r.name, c)]
            raw = results[("raw " + r.name, c)][0]
            worst[r.name] = min(worst.get(r.name, 9.9), rps / raw)
            st = stmts[r.name]
            print(
                f"{r.name:<16}{c:>6}{rps:>9.0f}{p50:>8.2f}{p99:>8.2f}{raw:>9.0f}{rps / raw:>7.2f}"
                f"{st if st is None else f'{st:.1f}':>10}{_mb(rss[r.name]):>8}{_mb(rss['raw ' + r.name]):>8}"
            )
    for name, ratio in worst.items():
        verdict = "meets" if ratio >= 0.6 else "misses"
        big = rss[name] is not None and rss[name] >= 150  # type: ignore[operator]
        print(
            f"{name} / raw, {workers} worker(s), worst case: {ratio:.2f} ({verdict} the 0.6 goal); "
            f"RSS {'over' if big else 'under'} 150 MB"
        )


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"
