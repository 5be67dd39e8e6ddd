"""The cost ledger: validated writes that keep the summary in the same transaction, and reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam
from sqlalchemy import select as select_core
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget import projects, summaries
from budget.access import check_implementer
from budget.categories import category_map
from budget.db import audit
from budget.funding import flat_amount
from budget.ledger_schemas import STAFF_HOURS_PER_YEAR, CostEntryCreate, CostEntryPublic, CostEntryUpdate
from budget.models import BudgetLine, CostCategory, CostEntry, PaymentClaim, PeriodLock, Project
from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.fastread import FastQuery
from hanke_libs.money import round_cents
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, NotFound, UnprocessableContent

ENTRY_FIELDS = (
    "implementer entry_date category_code kind amount flat_amount voucher_ref description pilot_id "
    "vat_treatment hours hourly_rate account account_name cost_centre claim_id"
).split()


@dataclass
class LedgerContext:
    """What validating an entry needs, loaded once (an import validates thousands of rows with it)."""

    project: Project
    rate: Decimal | None
    categories: dict[str, CostCategory]
    allowed: dict[str, set[str]]
    implementers: set[str]
    locks: list[PeriodLock]
    has_version: bool = True
    errors: list[tuple[str, str]] = field(default_factory=list)


async def context(*, session: AsyncSession, project: Project) -> LedgerContext:
    version = await projects.current_version(session=session, project=project)
    allowed: dict[str, set[str]] = {}
    if version is not None:
        stmt = select(BudgetLine.implementer, BudgetLine.category_code).where(
            BudgetLine.version_id == version.id
        )
        for impl, cat in (await session.exec(stmt)).all():
            allowed.setdefault(impl, set()).add(cat)
    locks = (
        await session.exec(
            select(PeriodLock).where(
                PeriodLock.project_id == project.id, col(PeriodLock.unlocked_at).is_(None)
            )
        )
    ).all()
    return LedgerContext(
        project=project,
        rate=projects.flat_rate(project),
        categories=await category_map(session),
        allowed=allowed,
        implementers={i.business_id for i in await projects.implementers(session=session, project=project)},
        locks=list(locks),
        has_version=version is not None,
    )


def validate(ctx: LedgerContext, v: dict[str, Any]) -> list[tuple[str, str]]:
    """Check and complete the values of one entry in place; returns (field, reason) errors."""
    errors: list[tuple[str, str]] = []
    p = ctx.project
    impl, day, kind, cat = v["implementer"], v["entry_date"], v["kind"], v["category_code"]
    if impl not in ctx.implementers:
        errors.append(("implementer", f"{impl} is not an implementer of project {p.code}"))
    if not p.period_start <= day <= p.period_end:
        errors.append(
            (
                "entry_date",
                f"{day.isoformat()} is outside the project period {p.period_start} – {p.period_end}",
            )
        )
    category = ctx.categories.get(cat)
    if kind == "income":
        if category is None or category.kind != "income":
            errors.append(("category", f"income is booked in the category 'income' (tulot), not {cat!r}"))
    elif category is None or category.kind != "cost":
        errors.append(("category", f"{cat!r} is not a cost category one can book"))
    elif not ctx.has_version:
        errors.append(("category", f"project {p.code} has no current budget version"))
    elif cat not in ctx.allowed.get(impl, set()):
        errors.append(
            (
                "category",
                f"{cat} is not in the current budget version for {impl}: book it in an approved category",
            )
        )
    hours, rate = v.get("hours"), v.get("hourly_rate")
    if v.get("annual_gross_cost") is not None:
        rate = v["hourly_rate"] = round_cents(v["annual_gross_cost"] / STAFF_HOURS_PER_YEAR)
    if (hours is None) != (rate is None):
        errors.append(("hours", "hours and hourly_rate (or annual_gross_cost) go together"))
    elif hours is not None and rate is not None:
        computed = round_cents(hours * rate)
        if v.get("amount") is None:
            v["amount"] = computed
        elif v["amount"] != computed:
            errors.append(("amount", f"{v['amount']} is not hours × hourly_rate = {computed}"))
    amount = v.get("amount")
    if amount is None:
        errors.append(("amount", "an amount (or hours × hourly_rate) is required"))
    elif kind == "expense" and amount < 0:
        errors.append(("amount", "a cost cannot be negative: book a credit as an entry of kind 'correction'"))
    elif kind in ("expense", "income") and amount == 0:
        errors.append(("amount", "the amount must be more than zero"))
    elif kind == "correction" and amount == 0:
        errors.append(("amount", "a correction of zero changes nothing"))
    if not errors:
        base = category is not None and category.flat_rate_base and kind != "income"
        v["flat_amount"] = flat_amount(amount, ctx.rate) if base else Decimal("0.00")  # type: ignore[arg-type]
    return errors


def lock_for(ctx: LedgerContext, implementer: str, day: dt.date) -> PeriodLock | None:
    for lock in ctx.locks:
        if lock.period_start <= day <= lock.period_end and lock.implementer in (None, implementer):
            return lock
    return None


def lock_reason(lock: PeriodLock) -> str:
    return (
        f"the period {lock.period_start} – {lock.period_end} is locked (lock {lock.id} by {lock.locked_by}: "
        f"{lock.reason})"
    )


def check_lock(ctx: LedgerContext, implementer: str, day: dt.date) -> None:
    lock = lock_for(ctx, implementer, day)
    if lock is not None:
        raise Conflict(
            f"Entries dated {day} cannot be written: {lock_reason(lock)}.",
            slug="period-locked",
            lock_id=lock.id,
        )


def raise_invalid(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise UnprocessableContent(
            "; ".join(f"{f}: {r}" for f, r in errors),
            slug="invalid-cost-entry",
            errors=[InvalidParam(name=f"body.{f}", reason=r) for f, r in errors],
        )


def href(project: Project, entry_id: int) -> str:
    return f"/projects/{project.code}/costs/{entry_id}"


async def check_duplicate(
    *, session: AsyncSession, project: Project, implementer: str, voucher: str, own_id: int | None = None
) -> None:
    stmt = select(CostEntry.id).where(
        CostEntry.project_id == project.id,
        CostEntry.implementer == implementer,
        CostEntry.voucher_ref == voucher,
    )
    existing = (await session.exec(stmt)).first()
    if existing is not None and existing != own_id:
        raise Conflict(
            f"Voucher {voucher!r} of {implementer} is already booked as entry {existing} "
            f"({href(project, existing)}).",
            slug="duplicate-voucher",
            existing_entry_id=existing,
            existing_entry=href(project, existing),
        )


async def claim_lock(*, session: AsyncSession, entry: CostEntry) -> None:
    """409 naming the claim when the entry belongs to a submitted payment claim."""
    if entry.claim_id is None:
        return
    claim = await session.get(PaymentClaim, entry.claim_id)
    if claim is not None and claim.status != "draft":
        raise Conflict(
            f"Entry {entry.id} (voucher {entry.voucher_ref}) is part of payment claim {claim.number} "
            f"({claim.status}) and can no longer be changed or deleted.",
            slug="claimed-entry-locked",
            claim_id=claim.id,
            claim_number=claim.number,
        )


def snapshot(entry: CostEntry) -> dict[str, Any]:
    return {k: getattr(entry, k) for k in ENTRY_FIELDS}


async def create(
    *, session: AsyncSession, project: Project, data: CostEntryCreate, actor: Principal
) -> CostEntry:
    """Book one entry; 422 on bad values, 409 on a duplicate voucher or a locked period."""
    implementer = data.implementer or actor.implementer
    if implementer is None:
        raise UnprocessableContent("implementer is required.", slug="invalid-cost-entry")
    check_implementer(actor, implementer)
    ctx = await context(session=session, project=project)
    values = data.model_dump(exclude={"category"}) | {
        "implementer": implementer,
        "category_code": data.category,
        "kind": data.kind.value,
        "vat_treatment": data.vat_treatment.value,
    }
    raise_invalid(validate(ctx, values))
    check_lock(ctx, implementer, data.entry_date)
    await check_duplicate(session=session, project=project, implementer=implementer, voucher=data.voucher_ref)
    values.pop("annual_gross_cost", None)
    entry = CostEntry(project_id=project.id, created_by=actor.actor, **values)  # type: ignore[arg-type]
    session.add(entry)
    await session.flush()
    deltas = summaries.Deltas()
    deltas.add(entry)
    await summaries.apply(session, project.id, deltas)  # type: ignore[arg-type]
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="cost_entry",
        entity_id=entry.id,
        changes=snapshot(entry),
    )
    return entry


def entry_not_found(code: str, entry_id: int) -> NotFound:
    return NotFound(f"Project {code} has no cost entry {entry_id}.", slug="cost-entry-not-found")


async def get(*, session: AsyncSession, project: Project, entry_id: int, actor: Principal) -> CostEntry:
    entry = await session.get(CostEntry, entry_id)
    if entry is None or entry.project_id != project.id:
        raise entry_not_found(project.code, entry_id)
    check_implementer(actor, entry.implementer)
    return entry


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


async def read(*, db: Database, code: str, entry_id: int, actor: Principal) -> CostEntryPublic:
    """One entry as the API shows it, read without a session (404s and the finance rule as ``get``)."""
    row = await ONE_ENTRY.first(db, code=code, entry_id=entry_id)
    if row is None:
        raise NotFound(f"No project with the code {code!r}.", slug="project-not-found")  # as projects.get
    if row["id"] is None:
        raise entry_not_found(code, entry_id)
    check_implementer(actor, row["implementer"])
    status = row.pop("claim_status")
    return public_values(row, locked=status is not None and status != "draft")


async def update(
    *, session: AsyncSession, project: Project, entry: CostEntry, data: CostEntryUpdate, actor: Principal
) -> CostEntry:
    await claim_lock(session=session, entry=entry)
    ctx = await context(session=session, project=project)
    check_lock(ctx, entry.implementer, entry.entry_date)
    before = snapshot(entry)
    changes = data.model_dump(exclude_unset=True)
    values = dict(before)
    for key, value in changes.items():
        values["category_code" if key == "category" else key] = getattr(value, "value", value)
    if ("hours" in changes or "hourly_rate" in changes) and "amount" not in changes:
        values["amount"] = None
    raise_invalid(validate(ctx, values))
    check_lock(ctx, entry.implementer, values["entry_date"])
    if values["voucher_ref"] != entry.voucher_ref:
        await check_duplicate(
            session=session,
            project=project,
            implementer=entry.implementer,
            voucher=values["voucher_ref"],
            own_id=entry.id,
        )
    deltas = summaries.Deltas()
    deltas.add(entry, -1)
    for key in ENTRY_FIELDS:
        setattr(entry, key, values[key])
    if entry.claim_id is not None:  # a draft claim keeps only entries of its period
        claim = await session.get(PaymentClaim, entry.claim_id)
        if claim is not None and not claim.period_start <= entry.entry_date <= claim.period_end:
            entry.claim_id = None
    entry.version += 1
    deltas.add(entry)
    session.add(entry)
    await session.flush()
    await summaries.apply(session, project.id, deltas)  # type: ignore[arg-type]
    await audit.record(
        session,
        actor=actor,
        action="update",
        entity_type="cost_entry",
        entity_id=entry.id,
        changes=diff(before, snapshot(entry)),
    )
    return entry


async def delete(*, session: AsyncSession, project: Project, entry: CostEntry, actor: Principal) -> None:
    await claim_lock(session=session, entry=entry)
    ctx = await context(session=session, project=project)
    check_lock(ctx, entry.implementer, entry.entry_date)
    deltas = summaries.Deltas()
    deltas.add(entry, -1)
    before = snapshot(entry)
    await session.delete(entry)
    await session.flush()
    await summaries.apply(session, project.id, deltas)  # type: ignore[arg-type]
    await audit.record(
        session, actor=actor, action="delete", entity_type="cost_entry", entity_id=entry.id, changes=before
    )


async def locked_claim_ids(*, session: AsyncSession, project: Project) -> set[int]:
    stmt = select(PaymentClaim.id).where(
        PaymentClaim.project_id == project.id, PaymentClaim.status != "draft"
    )
    return {i for i in (await session.exec(stmt)).all() if i is not None}


def public(entry: CostEntry, locked_claims: set[int]) -> CostEntryPublic:
    extra = {"id": entry.id, "version": entry.version, "created_at": entry.created_at}
    values = snapshot(entry) | extra | {"created_by": entry.created_by}
    return public_values(values, locked=entry.claim_id in locked_claims)


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


def filtered(project: Project, actor: Principal | None, f: dict[str, Any]) -> Any:
    """A select of the project's entries with the list filters (finance sees only its own)."""
    stmt = select(CostEntry).where(CostEntry.project_id == project.id)
    if actor is not None:
        from budget.access import scoped_implementer

        scope = scoped_implementer(actor)
        if scope is not None:
            if f.get("implementer") not in (None, scope):
                raise Forbidden(
                    f"Finance of {scope} sees only its own implementer's costs.", slug="other-implementer"
                )
            f = f | {"implementer": scope}
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
