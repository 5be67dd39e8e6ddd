"""The one place that reads ledger entries, scoped to the caller.

:func:`readable` is the select every list, export and claim query of entries starts from: a
finance caller's implementer is part of its WHERE, so no route can reach another implementer's
rows. The hot one-entry read (:func:`read_one`) is a single :class:`~hanke_libs.fastread.FastQuery`
on the read pool with the same rule applied to its row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, bindparam, text
from sqlalchemy import select as select_core
from sqlalchemy import update as sa_update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import check_implementer, implementer_scope
from budget.ledger import summaries
from budget.ledger.schemas import CostEntryPublic
from budget.models import CostEntry, PaymentClaim, Project
from budget.projects.repository import not_found
from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.fastread import FastQuery
from hanke_libs.personal import redact_for
from hanke_libs.problems import Forbidden, NotFound

ENTRY_FIELDS = (
    "implementer entry_date category_code kind amount flat_amount voucher_ref description pilot_id "
    "vat_treatment hours hourly_rate account account_name cost_centre claim_id"
).split()


def readable(project: Project, principal: Principal | None, f: Mapping[str, Any] | None = None) -> Any:
    """A select of the project's entries ``principal`` may read (None: trusted, e.g. the CLI), filtered."""
    f = dict(f or {})
    stmt = select(CostEntry).where(CostEntry.project_id == project.id)
    scope = implementer_scope(principal) if principal is not None else None
    if scope is not None:
        if f.get("implementer") not in (None, scope):
            raise Forbidden(
                f"Finance of {scope} sees only its own implementer's costs.", slug="other-implementer"
            )
        f["implementer"] = scope
    if f.get("implementer"):
        stmt = stmt.where(CostEntry.implementer == f["implementer"])
    if f.get("category"):
        stmt = stmt.where(CostEntry.category_code == f["category"])
    if f.get("kind"):
        stmt = stmt.where(CostEntry.kind == f["kind"])
    if f.get("date_from"):
        stmt = stmt.where(CostEntry.entry_date >= f["date_from"])
    if f.get("date_to"):
        stmt = stmt.where(CostEntry.entry_date <= f["date_to"])
    if f.get("pilot_id"):
        stmt = stmt.where(CostEntry.pilot_id == f["pilot_id"])
    if f.get("claim_id") is not None:
        stmt = stmt.where(CostEntry.claim_id == f["claim_id"])
    if f.get("voucher_ref"):
        stmt = stmt.where(CostEntry.voucher_ref == f["voucher_ref"])
    return stmt


def entry_not_found(code: str, entry_id: int) -> NotFound:
    return NotFound(f"Project {code} has no cost entry {entry_id}.", slug="cost-entry-not-found")


async def get(
    *, session: AsyncSession, project: Project, entry_id: int, principal: Principal, lock: bool = False
) -> CostEntry:
    stmt = select(CostEntry).where(CostEntry.id == entry_id, CostEntry.project_id == project.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    entry = (await session.exec(stmt)).first()
    if entry is None:
        raise entry_not_found(project.code, entry_id)
    check_implementer(principal, entry.implementer)
    return entry


async def page(
    *,
    session: AsyncSession,
    project: Project,
    principal: Principal,
    filters: Mapping[str, Any],
    after_id: int | None,
    limit: int,
) -> list[CostEntry]:
    stmt = readable(project, principal, filters)
    if after_id is not None:
        stmt = stmt.where(col(CostEntry.id) > after_id)
    return list((await session.exec(stmt.order_by(col(CostEntry.id)).limit(limit))).all())


async def for_export(
    *, session: AsyncSession, project: Project, principal: Principal | None, filters: Mapping[str, Any]
) -> list[CostEntry]:
    stmt = readable(project, principal, filters).order_by(col(CostEntry.entry_date), col(CostEntry.id))
    return list((await session.exec(stmt)).all())


async def voucher_entry(
    *, session: AsyncSession, project: Project, implementer: str, voucher: str
) -> int | None:
    return await voucher_entry_of(
        session=session,
        project_id=project.id,
        implementer=implementer,
        voucher=voucher,
    )


async def voucher_entry_of(
    *, session: AsyncSession, project_id: int | None, implementer: str, voucher: str
) -> int | None:
    stmt = select(CostEntry.id).where(
        CostEntry.project_id == project_id,
        CostEntry.implementer == implementer,
        CostEntry.voucher_ref == voucher,
    )
    return (await session.exec(stmt)).first()


async def locked_claim_ids(*, session: AsyncSession, project: Project) -> set[int]:
    stmt = select(PaymentClaim.id).where(
        PaymentClaim.project_id == project.id, PaymentClaim.status != "draft"
    )
    return {i for i in (await session.exec(stmt)).all() if i is not None}


async def claim_of(*, session: AsyncSession, entry: CostEntry, lock: bool = False) -> PaymentClaim | None:
    if entry.claim_id is None:
        return None
    stmt = select(PaymentClaim).where(PaymentClaim.id == entry.claim_id)
    if lock:
        stmt = stmt.execution_options(populate_existing=True)
    return (await session.exec(stmt)).first()


async def existing_entries(
    *, session: AsyncSession, project: Project, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], CostEntry]:
    """The entries already booked under the file's (implementer, voucher) keys, row-locked.

    On PostgreSQL the vouchers are joined as an array (``unnest``), so every probe uses the whole
    unique index whatever the planner's statistics say (an ``IN`` list on a freshly grown table was
    planned as a scan of the implementer's entries).
    """
    by_impl: dict[str, list[str]] = {}
    for impl, voucher in keys:
        by_impl.setdefault(impl, []).append(voucher)
    conn = await session.connection()
    ids: list[int] = []
    for impl, vouchers in by_impl.items():
        for i in range(0, len(vouchers), 5000):
            chunk = vouchers[i : i + 5000]
            if conn.dialect.name == "postgresql":
                query = text(
                    "SELECT e.id FROM cost_entry e JOIN unnest(CAST(:refs AS text[])) AS v(ref) "
                    "ON e.voucher_ref = v.ref WHERE e.project_id = :project AND e.implementer = :impl"
                )
                result = await conn.execute(query, {"refs": chunk, "project": project.id, "impl": impl})
            else:
                t = summaries.LEDGER
                result = await conn.execute(
                    select_core(t.c.id).where(
                        t.c.project_id == project.id, t.c.implementer == impl, t.c.voucher_ref.in_(chunk)
                    )
                )
            ids += [r[0] for r in result]
    found: dict[tuple[str, str], CostEntry] = {}
    for i in range(0, len(ids), 500):
        # locked in id order: bookings and edits go on beside an import (ADR 0005), so what the
        # import compares and changes must not move under it
        by_id = (
            select(CostEntry)
            .where(col(CostEntry.id).in_(ids[i : i + 500]))
            .order_by(col(CostEntry.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        for e in (await session.exec(by_id)).all():
            found[(e.implementer, e.voucher_ref)] = e
    return found


def _one_entry_query() -> FastQuery:
    """Project by code, its entry by id and the entry's claim status: one statement, one round trip.

    The project is the outer side, so a row without an entry id means "no such entry" and no row
    means "no such project" (the same two 404s as reading them one by one).
    """
    p, e, c = Project.__table__, CostEntry.__table__, PaymentClaim.__table__  # type: ignore[attr-defined]
    joined = p.outerjoin(e, and_(e.c.project_id == p.c.id, e.c.id == bindparam("entry_id"))).outerjoin(
        c, and_(c.c.id == e.c.claim_id, c.c.project_id == e.c.project_id)
    )
    stmt = select_core(*e.c, c.c.status.label("claim_status")).select_from(joined)
    return FastQuery(stmt.where(p.c.code == bindparam("code")))


ONE_ENTRY = _one_entry_query()


async def read_one(*, db: Database, code: str, entry_id: int, principal: Principal) -> CostEntryPublic:
    """One entry as ``principal`` may see it, read without a session (404s and the finance rule as ``get``)."""
    row = await ONE_ENTRY.first(db, code=code, entry_id=entry_id)
    if row is None:
        raise not_found(code)
    if row["id"] is None:
        raise entry_not_found(code, entry_id)
    check_implementer(principal, row["implementer"])
    status = row.pop("claim_status")
    return redact_for(principal, public_values(row, locked=status is not None and status != "draft"))


def snapshot(entry: CostEntry) -> dict[str, Any]:
    return {k: getattr(entry, k) for k in ENTRY_FIELDS}


def public(entry: CostEntry, locked_claims: set[int], principal: Principal) -> CostEntryPublic:
    extra = {"id": entry.id, "version": entry.version, "created_at": entry.created_at}
    values = snapshot(entry) | extra | {"created_by": entry.created_by}
    return redact_for(principal, public_values(values, locked=entry.claim_id in locked_claims))


def public_values(v: Mapping[str, Any], *, locked: bool) -> CostEntryPublic:
    """The API form of an entry from its column values (an ORM object's or a fast read's row)."""
    amount, flat = v["amount"], v["flat_amount"]
    return CostEntryPublic(
        id=v["id"],
        implementer=v["implementer"],
        entry_date=v["entry_date"],
        category=v["category_code"],
        kind=v["kind"],
        amount=amount,
        flat_amount=flat,
        eligible_effect=-amount if v["kind"] == "income" else amount + flat,
        voucher_ref=v["voucher_ref"],
        description=v["description"],
        pilot_id=v["pilot_id"],
        vat_treatment=v["vat_treatment"],
        hours=v["hours"],
        hourly_rate=v["hourly_rate"],
        account=v["account"],
        account_name=v["account_name"],
        cost_centre=v["cost_centre"],
        claim_id=v["claim_id"],
        locked=locked,
        version=v["version"],
        created_at=v["created_at"],
        created_by=v["created_by"],
    )


async def touch_claims(*, session: AsyncSession, claim_ids: set[int | None]) -> None:
    """A change to an entry of a draft claim changes the claim's figures: its version (ETag) moves on,
    so a submit sent with the ETag the person read is refused (412) instead of freezing other figures."""
    ids = sorted(i for i in claim_ids if i is not None)
    if not ids:
        return
    t = PaymentClaim.__table__  # type: ignore[attr-defined]
    conn = await session.connection()
    await conn.execute(
        sa_update(t).where(t.c.id.in_(ids), t.c.status == "draft").values(version=t.c.version + 1)
    )
