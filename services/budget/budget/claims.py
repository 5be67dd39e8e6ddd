"""Payment claims (maksatushakemus): draft, submit (frozen snapshot, costs locked), status flow, export."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import col
from sqlmodel import select as sm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget import figures, ledger_io, projects, summaries
from budget.categories import INCOME
from budget.claim_schemas import TRANSITIONS, ClaimCreate, ClaimPublic, ClaimStatusChange
from budget.db import audit
from budget.funding import RULE, split
from budget.models import CostEntry, PaymentClaim, Project
from budget.models.project import utcnow
from hanke_libs.auth import Principal
from hanke_libs.money import round_cents
from hanke_libs.problems import Conflict, NotFound, UnprocessableContent

ZERO = Decimal("0.00")
ADVANCE_LIMIT = Decimal("0.30")
HOW = (
    "eligible = costs + computed flat rate − income of the claim's entries; claimable_esr = the ESR part of "
    "eligible by the project's rounding rule. " + RULE
)


async def get(*, session: AsyncSession, project: Project, number: int) -> PaymentClaim:
    stmt = sm_select(PaymentClaim).where(PaymentClaim.project_id == project.id, PaymentClaim.number == number)
    claim = (await session.exec(stmt)).first()
    if claim is None:
        raise NotFound(f"Project {project.code} has no payment claim {number}.", slug="claim-not-found")
    return claim


async def granted_support(*, session: AsyncSession, project: Project) -> Decimal:
    """The ESR part of the current version's planned total: the support granted."""
    b = await figures.base(session=session, project=project, as_of=None)
    parts = split(figures.total(b.planned), b.sources)
    return sum((parts[s.code] for s in b.sources if s.kind == "esr"), ZERO)


async def attach(*, session: AsyncSession, project: Project, claim: PaymentClaim) -> int:
    """Take every unclaimed entry of the claim's period into the (draft) claim; returns how many."""
    t = summaries.LEDGER
    stmt = (
        update(t)
        .where(
            t.c.project_id == project.id,
            t.c.claim_id.is_(None),
            t.c.entry_date >= claim.period_start,
            t.c.entry_date <= claim.period_end,
        )
        .values(claim_id=claim.id)
    )
    conn = await session.connection()
    return int((await conn.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def create(
    *, session: AsyncSession, project: Project, data: ClaimCreate, actor: Principal
) -> PaymentClaim:
    if data.period_end < data.period_start:
        raise UnprocessableContent("period_end is before period_start.", slug="invalid-period")
    if data.kind.value == "advance":
        if data.requested_amount is None:
            raise UnprocessableContent(
                "An advance claim needs requested_amount.", slug="advance-amount-missing"
            )
        granted = await granted_support(session=session, project=project)
        limit = round_cents(granted * ADVANCE_LIMIT)
        earlier = (
            await session.exec(
                sm_select(func.coalesce(func.sum(PaymentClaim.requested_amount), 0)).where(
                    PaymentClaim.project_id == project.id, PaymentClaim.kind == "advance"
                )
            )
        ).one()
        earlier_amount = earlier if isinstance(earlier, Decimal) else Decimal(int(earlier or 0)) / 100
        if data.requested_amount + earlier_amount > limit:
            raise UnprocessableContent(
                f"An advance may be at most 30 % of the granted support {granted:.2f} = {limit:.2f}; "
                f"requested {data.requested_amount:.2f} with {earlier_amount:.2f} claimed in earlier advances.",
                slug="advance-over-limit",
                limit=f"{limit:.2f}",
            )
    elif data.requested_amount is not None:
        raise UnprocessableContent("requested_amount is only for advance claims.", slug="invalid-claim")
    elif data.period_start < project.period_start or data.period_end > project.period_end:
        raise UnprocessableContent(
            "The claim's period must be inside the project period.", slug="invalid-period"
        )
    last = (
        await session.exec(
            sm_select(func.max(PaymentClaim.number)).where(PaymentClaim.project_id == project.id)
        )
    ).one()
    claim = PaymentClaim(
        project_id=project.id,  # type: ignore[arg-type]
        number=(last or 0) + 1,
        kind=data.kind.value,
        period_start=data.period_start,
        period_end=data.period_end,
        requested_amount=data.requested_amount,
        note=data.note,
        created_by=actor.actor,
    )
    session.add(claim)
    await session.flush()
    taken = 0 if claim.kind == "advance" else await attach(session=session, project=project, claim=claim)
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
        changes=data.model_dump(mode="json") | {"entries_taken": taken},
    )
    return claim


async def live_totals(*, session: AsyncSession, project: Project, claim: PaymentClaim) -> dict[str, Any]:
    """The claim's figures from its entries (an SQL aggregate per implementer and category)."""
    t = summaries.LEDGER
    stmt = (
        select(
            t.c.implementer, t.c.category_code, func.sum(t.c.amount), func.sum(t.c.flat_amount), func.count()
        )
        .where(t.c.claim_id == claim.id)
        .group_by(t.c.implementer, t.c.category_code)
    )
    conn = await session.connection()
    per: dict[str, dict[str, Any]] = {}
    for impl, cat, amount, flat, count in await conn.execute(stmt):
        row = per.setdefault(impl, {"costs": ZERO, "flat_rate": ZERO, "income": ZERO, "entries": 0})
        if cat == INCOME:
            row["income"] += amount
        else:
            row["costs"] += amount
            row["flat_rate"] += flat
        row["entries"] += int(count)
    return await totals_from(session=session, project=project, claim=claim, per=per)


async def totals_from(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, per: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    sources = await projects.sources(session=session, project=project)
    costs = sum((r["costs"] for r in per.values()), ZERO)
    flat = sum((r["flat_rate"] for r in per.values()), ZERO)
    income = sum((r["income"] for r in per.values()), ZERO)
    eligible = costs + flat - income
    parts = split(eligible, sources)
    esr = sum((parts[s.code] for s in sources if s.kind == "esr"), ZERO)
    if claim.kind == "advance":
        esr = claim.requested_amount or ZERO
    return {
        "entries": sum(r["entries"] for r in per.values()),
        "costs": f"{costs:.2f}",
        "flat_rate": f"{flat:.2f}",
        "income": f"{income:.2f}",
        "eligible": f"{eligible:.2f}",
        "claimable_esr": f"{esr:.2f}",
        "funding_shares": [
            {"source": s.code, "kind": s.kind, "amount": f"{parts[s.code]:.2f}"} for s in sources
        ],
        "by_implementer": [
            {
                "implementer": impl,
                "entries": r["entries"],
                "costs": f"{r['costs']:.2f}",
                "flat_rate": f"{r['flat_rate']:.2f}",
                "income": f"{r['income']:.2f}",
                "eligible": f"{r['costs'] + r['flat_rate'] - r['income']:.2f}",
            }
            for impl, r in sorted(per.items())
        ],
    }


async def entries_of(*, session: AsyncSession, claim: PaymentClaim) -> list[CostEntry]:
    stmt = sm_select(CostEntry).where(CostEntry.claim_id == claim.id)
    order = (col(CostEntry.implementer), col(CostEntry.entry_date), col(CostEntry.voucher_ref))
    return list((await session.exec(stmt.order_by(*order))).all())


async def public(*, session: AsyncSession, project: Project, claim: PaymentClaim) -> ClaimPublic:
    frozen = claim.status != "draft" and claim.snapshot is not None
    if claim.status != "draft" and claim.snapshot is not None:
        totals: dict[str, Any] = claim.snapshot["totals"]
    else:
        totals = await live_totals(session=session, project=project, claim=claim)
    return ClaimPublic(
        number=claim.number,
        kind=claim.kind,
        period_start=claim.period_start,
        period_end=claim.period_end,
        status=claim.status,
        frozen=frozen,
        entries=totals["entries"],
        costs=Decimal(totals["costs"]),
        flat_rate=Decimal(totals["flat_rate"]),
        income=Decimal(totals["income"]),
        eligible=Decimal(totals["eligible"]),
        claimable_esr=Decimal(totals["claimable_esr"]),
        requested_amount=claim.requested_amount,
        approved_amount=claim.approved_amount,
        funding_shares=totals["funding_shares"],
        by_implementer=totals["by_implementer"],
        note=claim.note,
        submitted_at=claim.submitted_at,
        submitted_by=claim.submitted_by,
        created_by=claim.created_by,
        version=claim.version,
        ledger=figures.ledger_link(project, claim_id=claim.id),
        how=HOW,
    )


def require_draft(claim: PaymentClaim) -> None:
    if claim.status != "draft":
        raise Conflict(
            f"Payment claim {claim.number} is {claim.status}: a submitted claim is a frozen snapshot.",
            slug="claim-frozen",
            claim_number=claim.number,
        )


async def refresh(*, session: AsyncSession, project: Project, claim: PaymentClaim, actor: Principal) -> int:
    require_draft(claim)
    taken = 0 if claim.kind == "advance" else await attach(session=session, project=project, claim=claim)
    claim.version += 1
    session.add(claim)
    await audit.record(
        session,
        actor=actor,
        action="refresh",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
        changes={"entries_taken": taken},
    )
    return taken


async def remove(*, session: AsyncSession, project: Project, claim: PaymentClaim, actor: Principal) -> None:
    """Delete a draft and release its entries."""
    require_draft(claim)
    t = summaries.LEDGER
    conn = await session.connection()
    await conn.execute(update(t).where(t.c.claim_id == claim.id).values(claim_id=None))
    await session.delete(claim)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="delete",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
    )


async def change_status(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, data: ClaimStatusChange, actor: Principal
) -> PaymentClaim:
    new = data.status.value
    if new not in TRANSITIONS[claim.status]:
        allowed = ", ".join(sorted(TRANSITIONS[claim.status])) or "none"
        raise Conflict(
            f"Payment claim {claim.number} cannot go from {claim.status} to {new} (allowed: {allowed}).",
            slug="claim-status-transition",
        )
    before = claim.status
    if new == "submitted":
        entries = await entries_of(session=session, claim=claim)
        if claim.kind != "advance" and not entries:
            raise Conflict(f"Payment claim {claim.number} has no entries to submit.", slug="claim-empty")
        totals = await live_totals(session=session, project=project, claim=claim)
        claim.snapshot = {
            "taken_at": utcnow().isoformat(),
            "totals": totals,
            "vouchers": [
                dict(zip(ledger_io.COLUMNS, ledger_io.entry_row(e, project.code), strict=True))
                for e in entries
            ],
        }
        claim.submitted_at, claim.submitted_by = utcnow(), actor.actor
    elif new in ("approved", "partially_approved"):
        claimed = Decimal((claim.snapshot or {}).get("totals", {}).get("claimable_esr", "0"))
        amount = data.approved_amount if data.approved_amount is not None else claimed
        if new == "partially_approved" and (data.approved_amount is None or amount >= claimed):
            raise UnprocessableContent(
                f"A partial approval needs an approved_amount below the claimed {claimed:.2f}.",
                slug="invalid-approved-amount",
            )
        if amount > claimed:
            raise UnprocessableContent(
                f"approved_amount exceeds the claimed {claimed:.2f}.", slug="invalid-approved-amount"
            )
        claim.approved_amount = amount
    if data.note:
        claim.note = data.note
    claim.status = new
    claim.version += 1
    session.add(claim)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="status",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
        changes={
            "status": [before, new],
            "approved_amount": str(claim.approved_amount) if claim.approved_amount is not None else None,
            "note": data.note,
        },
    )
    return claim


async def export_rows(*, session: AsyncSession, project: Project, claim: PaymentClaim) -> list[list[str]]:
    """Voucher by voucher: the frozen snapshot once submitted, else the draft's entries."""
    if claim.status != "draft" and claim.snapshot is not None:
        vouchers: list[dict[str, str]] = claim.snapshot["vouchers"]
        return [[v[c] for c in ledger_io.COLUMNS] for v in vouchers]
    return [ledger_io.entry_row(e, project.code) for e in await entries_of(session=session, claim=claim)]
