"""Admin imports from the command line: the same functions the services' import endpoints use,
in one transaction that is committed only with ``--commit``. Without it every step really runs
and the transaction is rolled back at the end, so a dry run of several steps (org units, then the
people in them) reports exactly what the real run would do."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_cli import apps
from hanke_cli.console import prefix, say
from hanke_cli.progress import ProgressBar
from hanke_libs.db import standalone_database
from hanke_libs.problems import ProblemError

Step = Callable[[AsyncSession, bool], Awaitable[dict[str, Any]]]
SHOWN_PROBLEMS = 10


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def human_summary(report: dict[str, Any]) -> list[str]:
    """A few lines a person reads: counts, warnings, the first lines of each list (and how many more)."""
    counts = [
        f"{report.get(key, 0)} {label}"
        for key, label in (
            ("rows", "rows"),
            ("created", "created"),
            ("changed", "changed"),
            ("deactivated", "deactivated"),
            ("unchanged", "unchanged"),
        )
        if key in report
    ]
    lines = [", ".join(counts)]
    for key, label in (("org_units_created", "org units created"), ("sectors_created", "sectors created")):
        if report.get(key):
            lines.append(
                f"{label}: {len(report[key])} ({', '.join(report[key][:5])}{', ...' if len(report[key]) > 5 else ''})"
            )
    warnings = report.get("warnings") or []
    if warnings:
        lines.append(f"{len(warnings)} warning(s):")
        for warning in warnings[:SHOWN_PROBLEMS]:
            where = f"line {warning.get('line')}" if warning.get("line") else warning.get("name")
            lines.append(f"  {where}: {warning.get('name')}: {warning.get('reason')}")
        if len(warnings) > SHOWN_PROBLEMS:
            lines.append(f"  ... and {len(warnings) - SHOWN_PROBLEMS} more (--json lists them all)")
    return lines


def run_in_transaction(
    service: str,
    steps: list[tuple[str, Step]],
    *,
    commit: bool,
    as_json: bool = False,
    summarise: Callable[[dict[str, Any]], list[str]] | None = None,
) -> int:
    """Run import steps in one transaction of ``service``'s database; print a short summary of each
    (``as_json``: the whole report as JSON on stdout)."""
    settings = apps.service(service).settings()
    reports: list[dict[str, Any]] = []

    def tell(message: str) -> None:  # with --json, stdout carries only the JSON report
        if as_json:
            print(f"{prefix(service)} {message}", file=sys.stderr, flush=True)
        else:
            say(service, message)

    async def run() -> int:
        async with (
            standalone_database(settings.resolved_database_url(), pgbouncer=settings.db_pgbouncer) as db,
            db.write_session() as session,
        ):
            for label, step in steps:
                tell(f"{label} ...")
                try:
                    report = await step(session, False)
                    report["dry_run"] = not commit
                except ProblemError as exc:
                    await session.rollback()
                    errors = exc.errors or []
                    if as_json:
                        print(
                            json.dumps(
                                {"step": label, "rejected": exc.to_problem()}, ensure_ascii=False, default=str
                            )
                        )
                    tell(f"{label}: rejected, nothing written: {exc.detail}")
                    for error in errors[:SHOWN_PROBLEMS]:
                        where = f"line {error.line}" if error.line else error.name
                        tell(f"  {where}: {error.name}: {error.reason}")
                    if len(errors) > SHOWN_PROBLEMS:
                        tell(f"  ... and {len(errors) - SHOWN_PROBLEMS} more (--json lists them all)")
                    return 1
                reports.append({"step": label, **report})
                if summarise is None:  # e.g. the ledger import: its report as one JSON line
                    tell(f"{label}: " + json.dumps(report, ensure_ascii=False, default=str))
                else:
                    for line in summarise(report):
                        tell(f"{label}: {line}")
            if commit:
                await session.commit()
                tell("committed")
            else:
                await session.rollback()
                tell("dry run: nothing written (add --commit to apply)")
            return 0

    code = asyncio.run(run())
    if as_json and code == 0:
        print(json.dumps(reports, ensure_ascii=False, default=str))
    return code


def import_hr(
    people: Path | None, org_units: Path | None, *, full: bool, commit: bool, as_json: bool = False
) -> int:
    """``hanke import-hr``: org units first (people refer to them), then people, with a progress bar."""
    from participants.hr_import import import_hr_org_units, import_hr_people

    steps: list[tuple[str, Step]] = []
    if org_units is not None:
        data_units, name_units = org_units.read_bytes(), org_units.name

        async def units(session: AsyncSession, dry_run: bool) -> dict[str, Any]:
            report = await import_hr_org_units(
                session=session, data=data_units, filename=name_units, actor=actor(), dry_run=dry_run
            )
            return dict(report.complete())

        steps.append((f"org units from {name_units}", units))
    if people is not None:
        data_people, name_people = people.read_bytes(), people.name

        async def persons(session: AsyncSession, dry_run: bool) -> dict[str, Any]:
            bar = ProgressBar(f"people from {name_people}")
            try:
                report = await import_hr_people(
                    session=session,
                    data=data_people,
                    filename=name_people,
                    actor=actor(),
                    dry_run=dry_run,
                    full=full,
                    progress=bar,
                )
            finally:
                bar.close()
            return dict(report.complete())

        steps.append((f"people from {name_people}", persons))
    if not steps:
        say("hanke", "nothing to import: give --people and/or --org-units")
        return 2
    return run_in_transaction("participants", steps, commit=commit, as_json=as_json, summarise=human_summary)


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
