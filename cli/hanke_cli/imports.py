"""Admin imports from the command line: the same functions the services' import endpoints use,
in one transaction that is committed only with ``--commit``. Without it every step really runs
and the transaction is rolled back at the end, so a dry run of several steps (org units, then the
people in them) reports exactly what the real run would do."""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_cli import apps
from hanke_cli.console import say
from hanke_libs.db import standalone_database
from hanke_libs.problems import ProblemError

Step = Callable[[AsyncSession, bool], Awaitable[dict[str, Any]]]


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def run_in_transaction(service: str, steps: list[tuple[str, Step]], *, commit: bool) -> int:
    """Run import steps in one transaction of ``service``'s database; print each report."""
    settings = apps.service(service).settings()

    async def run() -> int:
        async with (
            standalone_database(settings.resolved_database_url(), pgbouncer=settings.db_pgbouncer) as db,
            db.write_session() as session,
        ):
            for label, step in steps:
                say(service, f"{label} ...")
                try:
                    report = await step(session, False)
                    report["dry_run"] = not commit
                except ProblemError as exc:
                    await session.rollback()
                    say(service, f"{label}: rejected, nothing written: {exc.detail}")
                    for error in exc.errors or []:
                        where = f"line {error.line}" if error.line else error.name
                        say(service, f"  {where}: {error.name}: {error.reason}")
                    return 1
                say(service, f"{label}: " + json.dumps(report, ensure_ascii=False, default=str))
            if commit:
                await session.commit()
                say(service, "committed")
            else:
                await session.rollback()
                say(service, "dry run: nothing written (add --commit to apply)")
            return 0

    return asyncio.run(run())


def import_hr(people: Path | None, org_units: Path | None, *, full: bool, commit: bool) -> int:
    """``hanke import-hr``: org units first (people refer to them), then people."""
    from participants.hr_import import import_hr_org_units, import_hr_people

    steps: list[tuple[str, Step]] = []
    if org_units is not None:
        data_units, name_units = org_units.read_bytes(), org_units.name

        async def units(session: AsyncSession, dry_run: bool) -> dict[str, Any]:
            report = await import_hr_org_units(
                session=session, data=data_units, filename=name_units, actor=actor(), dry_run=dry_run
            )
            return dict(report.summary())

        steps.append((f"org units from {name_units}", units))
    if people is not None:
        data_people, name_people = people.read_bytes(), people.name

        async def persons(session: AsyncSession, dry_run: bool) -> dict[str, Any]:
            report = await import_hr_people(
                session=session,
                data=data_people,
                filename=name_people,
                actor=actor(),
                dry_run=dry_run,
                full=full,
            )
            return dict(report.summary())

        steps.append((f"people from {name_people}", persons))
    if not steps:
        say("hanke", "nothing to import: give --people and/or --org-units")
        return 2
    return run_in_transaction("participants", steps, commit=commit)


def import_ledger(path: Path, *, project: str, implementer: str | None, commit: bool) -> int:
    """``hanke import-ledger``: a general-ledger extract into a project's cost ledger."""
    from budget.ledger.imports import import_ledger as run_import
    from hanke_cli.budget import cli_pilots

    data, name = path.read_bytes(), path.name

    async def step(session: AsyncSession, dry_run: bool) -> dict[str, Any]:
        async with cli_pilots() as pilots:
            report = await run_import(
                session=session,
                project_code=project,
                content=data,
                filename=name,
                implementer=implementer,
                dry_run=dry_run,
                actor=actor(),
                pilots=pilots,
            )
        summary = report.as_dict()
        summary.pop("lines", None)  # line-by-line detail: the API's dry run; rejects raise with lines
        return summary

    return run_in_transaction("budget", [(f"ledger {name} into {project}", step)], commit=commit)
