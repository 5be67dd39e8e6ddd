"""Participants: HR export import vs SCIM provisioning of 10 000 people (a script, not a test).

Prints, per backend (SQLite file, PostgreSQL if reachable), the time and the rows written of:
1. a first import of a 10 000-person HR export (full export),
2. a re-import with 1 % of the people changed,
3. a re-import of the unchanged export,
4. the same 10 000 people provisioned through SCIM as Entra ID does it (GET filter lookup, then POST),
   in process over ASGI.
Rows written are counted in the database (person, org_unit, sector, audit_entry, person_read_log),
not taken from the import's own report.

    uv run python benchmarks/participants_import.py [--people 10000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hanke_libs.db import Database
from hanke_libs.testing import bearer, create_pg_database, drop_pg_database, postgres_admin_url, running
from participants.config import Settings
from participants.db import audit, migrate
from participants.hr_import import import_hr_org_units, import_hr_people
from participants.main import create_app
from participants.models import OrgUnit, Person, PersonReadLog, Sector

DATA = Path("/work/shared/data")
HEADER = (
    "Henkilönumero;Sukunimi;Etunimet;Kutsumanimi;Sähköposti;Nimike;Yksikkökoodi;Organisaatioyksikkö;"
    "Kustannuspaikka;Henkilöstöryhmä;Esihenkilön henkilönumero;Palvelussuhde alkaa;Palvelussuhde päättyy"
)
SURNAMES = ["Järvinen", "Hämäläinen", "Nieminen", "Korhonen", "Virtanen", "Mäkinen", "Heikkinen", "Koskinen"]
GIVEN = ["Sanna", "Helmi", "Ari", "Hanna", "Ville", "Aino", "Juha", "Laura", "Mikko", "Eeva"]
TITLES = ["rakennustarkastaja", "toimistosihteeri", "opettaja", "sairaanhoitaja", "suunnittelija"]
CATEGORIES = ["Kuukausipalkkainen", "Tuntipalkkainen", "Opetushenkilöstö"]


def units() -> list[tuple[str, str]]:
    lines = (DATA / "hr-org-units.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    return [(line.split(";")[0], line.split(";")[1]) for line in lines if line.strip()]


def people_rows(n: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    unit_list = units()
    rows = []
    for i in range(n):
        number = str(200000 + i)
        family, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        code, name = rng.choice(unit_list)
        manager = str(200000 + rng.randrange(max(i, 1))) if i else ""
        start = f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.{rng.randint(1985, 2019)}"
        rows.append(
            [
                number,
                family,
                given,
                given,
                f"{given}.{family}.{number}@kuopio.example".lower(),
                rng.choice(TITLES),
                code,
                name,
                str(rng.randint(1000, 5000)),
                rng.choice(CATEGORIES),
                manager,
                start,
                "",
            ]
        )
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    return "\r\n".join([HEADER, *(";".join(r) for r in rows)]).encode("utf-8-sig")


async def counts(db: Database, since: dt.datetime) -> int:
    """Rows inserted or updated since ``since``: people and org units by ``updated_at`` (every write sets
    it), plus all rows of the append-only tables (audit, read log) and sectors."""
    async with db.read_session() as session:
        conn = await session.connection()
        total = 0
        for table in (Person.__table__, OrgUnit.__table__):  # type: ignore[attr-defined]
            stmt = select(func.count()).select_from(table).where(table.c.updated_at >= since)
            total += (await conn.execute(stmt)).scalar_one()
        for table in (Sector.__table__, audit.table, PersonReadLog.__table__):  # type: ignore[attr-defined]
            total += (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        return total


async def measure(db: Database, label: str, action: Callable[[], Awaitable[Any]]) -> tuple[float, int]:
    since = dt.datetime.now(dt.UTC)
    before = await counts(db, since)
    started = time.perf_counter()
    await action()
    elapsed = time.perf_counter() - started
    written = await counts(db, since) - before
    print(f"  {label:<44} {elapsed:8.2f} s   rows written {written:>7}")
    return elapsed, written


async def hr_import(db: Database, data: bytes) -> None:
    async with db.write_session() as session:
        await import_hr_people(
            session=session, data=data, filename="hr.csv", actor="benchmark", dry_run=False, full=True
        )
        await session.commit()


async def scim_provision(url: str, rows: list[list[str]]) -> None:
    settings = Settings(database_url=url, log_json=False, log_level="WARNING")
    headers = {**bearer(settings, "hr_sync", subject="entra"), "Content-Type": "application/scim+json"}
    ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    async with running(create_app(settings)) as client:
        for r in rows:
            user_name = r[4]
            found = await client.get(
                "/scim/v2/Users", params={"filter": f'userName eq "{user_name}"'}, headers=headers
            )
            assert found.status_code == 200 and found.json()["totalResults"] == 0, found.text
            body = {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ent],
                "externalId": f"entra-{r[0]}",
                "userName": user_name,
                "active": "True",
                "displayName": f"{r[3]} {r[1]}",
                "title": r[5],
                "name": {"givenName": r[3], "familyName": r[1]},
                "emails": [{"primary": True, "type": "work", "value": user_name}],
                ent: {"employeeNumber": r[0], "costCenter": r[8], "department": r[7]},
            }
            created = await client.post("/scim/v2/Users", json=body, headers=headers)
            assert created.status_code == 201, created.text


async def run(url: str, n: int) -> list[tuple[float, int]]:
    """One series on a fresh database: first import, 1 % changed, unchanged; (seconds, rows) each."""
    rows = people_rows(n)
    first = to_csv(rows)
    changed_rows = [list(r) for r in rows]
    for r in random.Random(1).sample(changed_rows, n // 100):
        r[5] = r[5] + " (vastaava)"
    changed = to_csv(changed_rows)

    migrate(url)
    db = Database(url)
    try:
        async with db.write_session() as session:
            await import_hr_org_units(
                session=session,
                data=(DATA / "hr-org-units.csv").read_bytes(),
                filename="units.csv",
                actor="benchmark",
                dry_run=False,
            )
            await session.commit()
        return [
            await measure(db, f"first import of {n} people", lambda: hr_import(db, first)),
            await measure(db, f"re-import, {n // 100} people changed (1 %)", lambda: hr_import(db, changed)),
            await measure(db, "re-import, unchanged", lambda: hr_import(db, changed)),
        ]
    finally:
        await db.dispose()


def summarise(series: list[list[tuple[float, int]]], n: int) -> None:
    medians = [statistics.median(s[i][0] for s in series) for i in range(3)]
    written = [series[-1][i][1] for i in range(3)]
    print(
        f"  median of {len(series)} series: first {medians[0]:.2f} s, 1 % changed {medians[1]:.2f} s, "
        f"unchanged {medians[2]:.2f} s; re-import / first = {medians[1] / medians[0]:.2f} (goal <= 0.20)"
    )
    print(
        f"  rows written: first {written[0]}, changed {written[1]} (= {n // 100} people + "
        f"{written[1] - n // 100} audit rows), unchanged {written[2]}"
    )


async def run_scim(url: str, n: int) -> None:
    migrate(url)
    db = Database(url)
    try:
        await measure(
            db, f"SCIM provisioning of {n} people (GET + POST)", lambda: scim_provision(url, people_rows(n))
        )
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-scim", action="store_true", help="skip the SCIM provisioning run")
    parser.add_argument("--repeat", type=int, default=3, help="import series per backend (medians printed)")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        print(f"== {backend}")
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                series = [
                    asyncio.run(run(f"sqlite:///{tmp}/import{i}.db", args.people)) for i in range(args.repeat)
                ]
                summarise(series, args.people)
                if not args.no_scim:
                    asyncio.run(run_scim(f"sqlite:///{tmp}/scim.db", args.people))
        else:
            try:
                urls = [create_pg_database("bench_participants") for _ in range(args.repeat + 1)]
            except Exception as exc:  # no server: say so and go on
                print(f"  PostgreSQL at {postgres_admin_url()} not reachable: {type(exc).__name__}")
                continue
            try:
                series = [asyncio.run(run(url, args.people)) for url in urls[:-1]]
                summarise(series, args.people)
                if not args.no_scim:
                    asyncio.run(run_scim(urls[-1], args.people))
            finally:
                for url in urls:
                    drop_pg_database(url)


if __name__ == "__main__":
    main()
