"""Ledger import from the accounting system's extract (CSV or XLSX), dry run or all-or-nothing.

Entry point for other callers (e.g. the ``hanke`` command)::

    report = await import_ledger(session=..., project_code="S21894", content=b"...", filename="x.csv",
                                 implementer="0171450-7", dry_run=True, actor="cli", pilots=directory)

The caller owns the transaction (commit after a real run). A real run with any bad row raises
:class:`hanke_libs.problems.UnprocessableContent` listing every bad row with its line number and
writes nothing; the same file twice changes nothing (entries are matched on implementer + voucher).
Column format: :mod:`budget.ledger.fileformat`. Each distinct Pilotti is checked with the pilots
service before anything is written (an unknown pilot or a pilot of another project rejects its
rows, with their line numbers). Category: the row's Kustannuslaji if given, else the
account mapping (the project's own rows, else the default from account-categories.csv). A debit
on a cost account is an expense, a credit a correction (negative); income accounts take credits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import implementer_scope
from budget.db import audit
from budget.ledger import fileformat, repository, summaries
from budget.ledger.mapping import rows_for as mapping_for
from budget.ledger.validation import LedgerContext, context, lock_for, lock_reason, validate
from budget.models import CostEntry, PaymentClaim, Project
from budget.pilots import PilotDirectory, check_pilots
from budget.projects import repository as projects
from hanke_libs.auth import Principal
from hanke_libs.problems import InvalidParam, UnprocessableContent
from hanke_libs.tabular import CellError, ImportErrors, Row, parse_amount, parse_date, parse_text, read_table

COMPARED = (
    "entry_date category_code kind amount description account account_name cost_centre pilot_id".split()
)


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    lines: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def category_of(account: str, given: str, ctx: LedgerContext, mapping: list[tuple[int, int, str]]) -> str:
    if given:
        for cat in ctx.categories.values():
            if given.casefold() in (cat.code.casefold(), cat.name_fi.casefold()):
                return cat.code
        raise ValueError(f"Kustannuslaji {given!r} is not a known cost category")
    if not account.isdigit():
        raise ValueError(f"account {account!r} is not a number and no Kustannuslaji is given")
    number = int(account)
    for lo, hi, code in mapping:
        if lo <= number <= hi:
            return code
    raise ValueError(f"account {account} is not in the account mapping")


def cell(row: Row, field: str, parser: Any, **options: Any) -> Any:
    """One cell parsed by a :mod:`hanke_libs.tabular` parser; ValueError naming the column."""
    try:
        return parser(row[field], **options)
    except CellError as exc:
        raise ValueError(f"{fileformat.COLUMN_OF[field]}: {exc}") from None


def row_values(
    row: Row, default_impl: str, ctx: LedgerContext, mapping: list[tuple[int, int, str]]
) -> dict[str, Any]:
    """The entry values of one row; ValueError with a readable reason on anything wrong."""
    voucher = cell(row, "voucher", parse_text, required=True, max_length=60)
    day = cell(row, "day", parse_date, required=True)
    project = cell(row, "project", parse_text, max_length=40)
    if project and project != ctx.project.code:
        raise ValueError(f"the row belongs to project {project}, not {ctx.project.code}")
    debit = cell(row, "debit", parse_amount, allow_negative=False)
    credit = cell(row, "credit", parse_amount, allow_negative=False)
    if (debit is None) == (credit is None):
        raise ValueError("give exactly one of Debet and Kredit")
    amount = debit if debit is not None else credit
    if amount <= 0:
        raise ValueError("Debet and Kredit are positive amounts")
    account = cell(row, "account", parse_text, max_length=20) or ""
    given = cell(row, "category", parse_text, max_length=120) or ""
    category = category_of(account, given, ctx, mapping)
    if category == "income":
        if debit is not None:
            raise ValueError("a debit on an income account is not supported: book it as a correction")
        kind = "income"
    else:
        kind = "expense" if debit is not None else "correction"
        amount = amount if debit is not None else -amount
    return {
        "implementer": cell(row, "implementer", parse_text, max_length=20) or default_impl,
        "entry_date": day,
        "category_code": category,
        "kind": kind,
        "amount": amount,
        "voucher_ref": voucher,
        "description": cell(row, "description", parse_text, max_length=500) or "",
        "pilot_id": cell(row, "pilot", parse_text, max_length=64),
        "vat_treatment": "not_applicable",
        "account": account or None,
        "account_name": cell(row, "account_name", parse_text, max_length=200, collapse_whitespace=True),
        "cost_centre": cell(row, "cost_centre", parse_text, max_length=40),
        "hours": None,
        "hourly_rate": None,
    }


async def import_ledger(
    *,
    session: AsyncSession,
    project_code: str,
    content: bytes,
    filename: str | None = None,
    implementer: str | None,
    dry_run: bool,
    actor: Principal | str,
    pilots: PilotDirectory,
    mapping: list[tuple[int, int, str]] | None = None,
) -> ImportReport:
    """Import a ledger extract; see the module docstring."""
    structural = ImportErrors()
    table = await asyncio.to_thread(read_table, content, filename, fileformat.SPEC, errors=structural)
    rows = table.rows
    # Pilots first, before the project lock: a look-up in another service never holds the lock.
    pilot_ids = {r.text("pilot") for r in rows if r.text("pilot")}
    pilot_problems = await check_pilots(pilots, project_code, pilot_ids) if pilot_ids else {}
    principal = actor if isinstance(actor, Principal) else None
    project = await projects.get(session=session, principal=principal, code=project_code, lock="share")
    await projects.serialise_imports(session=session, project=project)
    scope = implementer_scope(principal) if principal is not None else None
    default_impl = implementer or scope or project.lead_implementer
    ctx = await context(session=session, project=project)
    mapping = mapping or await mapping_for(session=session, project=project)
    report = ImportReport(dry_run=dry_run, rows=len(rows) + len({e.line for e in table.errors}))
    for error in table.errors:
        report.lines.append(
            {"line": error.line, "voucher": None, "action": "reject", "errors": [error.reason]}
        )
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        line = row.line
        try:
            values = row_values(row, default_impl, ctx, mapping)
        except ValueError as exc:
            report.lines.append(
                {"line": line, "voucher": row.text("voucher"), "action": "reject", "errors": [str(exc)]}
            )
            continue
        errors = [f"{f}: {r}" for f, r in validate(ctx, values)]
        if values["pilot_id"] and pilot_problems.get(values["pilot_id"]):
            errors.append(f"Pilotti: {pilot_problems[values['pilot_id']]}")
        key = (values["implementer"], values["voucher_ref"])
        if scope is not None and values["implementer"] != scope:
            errors.append(f"finance of {scope} may not book {values['implementer']}'s costs")
        if key in seen:
            errors.append(f"voucher {key[1]} appears already on line {seen[key]}")
        seen.setdefault(key, line)
        if errors:
            report.lines.append({"line": line, "voucher": key[1], "action": "reject", "errors": errors})
        else:
            parsed.append((line, values))
    existing = await repository.existing_entries(
        session=session, project=project, keys=[(v["implementer"], v["voucher_ref"]) for _, v in parsed]
    )
    locked_claims = await repository.locked_claim_ids(session=session, project=project)
    to_add: list[dict[str, Any]] = []
    to_change: list[tuple[CostEntry, dict[str, Any]]] = []
    for line, values in parsed:
        old = existing.get((values["implementer"], values["voucher_ref"]))
        if old is not None and all(getattr(old, k) == values[k] for k in COMPARED):
            report.unchanged += 1
            report.lines.append({"line": line, "voucher": values["voucher_ref"], "action": "unchanged"})
            continue
        problems = []
        for day in {values["entry_date"]} | ({old.entry_date} if old else set()):
            lock = lock_for(ctx, values["implementer"], day)
            if lock is not None:
                problems.append(lock_reason(lock))
        if old is not None and old.claim_id in locked_claims:
            claim = await session.get(PaymentClaim, old.claim_id)
            number = claim.number if claim else old.claim_id
            problems.append(
                f"voucher {old.voucher_ref} is in submitted payment claim {number} and cannot change"
            )
        if problems:
            report.lines.append(
                {"line": line, "voucher": values["voucher_ref"], "action": "reject", "errors": problems}
            )
            continue
        action = "add" if old is None else "change"
        entry_line: dict[str, Any] = {"line": line, "voucher": values["voucher_ref"], "action": action}
        if old is not None:
            entry_line["changes"] = {
                k: [str(getattr(old, k)), str(values[k])] for k in COMPARED if getattr(old, k) != values[k]
            }
            to_change.append((old, values))
        else:
            to_add.append(values)
        report.lines.append(entry_line)
    report.lines.sort(key=lambda x: x["line"] or 0)
    report.added, report.changed = len(to_add), len(to_change)
    report.rejected = sum(1 for x in report.lines if x["action"] == "reject")
    if dry_run:
        return report
    if report.rejected:
        bad = [x for x in report.lines if x["action"] == "reject"]
        raise UnprocessableContent(
            f"The import was rejected: {len(bad)} of {report.rows} rows are not valid; nothing was written.",
            slug="import-rejected",
            errors=[
                InvalidParam(name=f"line {x['line']}", reason="; ".join(x["errors"]), line=x["line"])
                for x in bad
            ],
        )
    await write(session=session, project=project, actor=actor, to_add=to_add, to_change=to_change)
    return report


async def write(
    *,
    session: AsyncSession,
    project: Project,
    actor: Principal | str,
    to_add: list[dict[str, Any]],
    to_change: list[tuple[CostEntry, dict[str, Any]]],
) -> None:
    """Write the validated rows, their summary deltas and audit entries in the caller's transaction."""
    name = actor.actor if isinstance(actor, Principal) else actor
    deltas = summaries.Deltas()
    trail: list[dict[str, Any]] = []
    conn = await session.connection()
    table = summaries.LEDGER
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(to_add), 2000):
        chunk = [
            v | {"project_id": project.id, "version": 1, "created_at": now, "created_by": name}
            for v in to_add[start : start + 2000]
        ]
        result = await conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk)
        for (entry_id,), v in zip(result.all(), chunk, strict=True):
            deltas.add_values(
                v["implementer"], v["category_code"], v["entry_date"], v["amount"], v["flat_amount"]
            )
            trail.append(
                {
                    "action": "import",
                    "entity_type": "cost_entry",
                    "entity_id": entry_id,
                    "changes": {
                        k: v[k] for k in ("voucher_ref", "entry_date", "category_code", "kind", "amount")
                    },
                }
            )
    for old, values in to_change:
        deltas.add(old, -1)
        changes = {k: [getattr(old, k), values[k]] for k in COMPARED if getattr(old, k) != values[k]}
        for k in COMPARED + ["flat_amount"]:
            setattr(old, k, values[k])
        old.version += 1
        if old.claim_id is not None:  # a draft claim keeps only entries of its period
            claim = await session.get(PaymentClaim, old.claim_id)
            if claim is not None and not claim.period_start <= old.entry_date <= claim.period_end:
                old.claim_id = None
        session.add(old)
        deltas.add(old)
        trail.append(
            {"action": "import_update", "entity_type": "cost_entry", "entity_id": old.id, "changes": changes}
        )
    await session.flush()
    # Claims and the summary last, in that order (as an edit takes entry -> claim -> summary), so an
    # import beside bookings and edits never waits in a cycle; the audit trail before the summary
    # keeps the summary rows' locks short.
    await repository.touch_claims(session=session, claim_ids={old.claim_id for old, _ in to_change})
    await audit.record_many(session, trail, actor=actor)
    await summaries.apply(session, project.id, deltas)  # type: ignore[arg-type]


async def export_rows(
    *, session: AsyncSession, principal: Principal, code: str, filters: dict[str, Any]
) -> tuple[Project, list[CostEntry]]:
    """The entries a ledger export holds (the caller's scope: finance exports its own only)."""
    project = await projects.get(session=session, principal=principal, code=code)
    return project, await repository.for_export(
        session=session, project=project, principal=principal, filters=filters
    )


async def import_ledger_file(
    *,
    database_url: str,
    path: str,
    project_code: str,
    implementer: str | None = None,
    dry_run: bool = True,
    actor: str = "cli",
    pilots: PilotDirectory,
) -> ImportReport:
    """Import a file from disk into the budget database at ``database_url`` (for the ``hanke`` command).

    Commits only a real run without bad rows; raises ``UnprocessableContent`` (with ``errors``,
    one per bad line) otherwise, writing nothing.
    """
    import asyncio
    from pathlib import Path

    from hanke_libs.db import Database

    content = await asyncio.to_thread(Path(path).read_bytes)
    db = Database(database_url, null_pool=True)
    try:
        async with db.write_session() as session:
            report = await import_ledger(
                session=session,
                project_code=project_code,
                content=content,
                filename=path,
                implementer=implementer,
                dry_run=dry_run,
                actor=actor,
                pilots=pilots,
            )
            if not dry_run:
                await session.commit()
            return report
    finally:
        await db.dispose()


__all__ = ["ImportReport", "export_rows", "import_ledger", "import_ledger_file"]
