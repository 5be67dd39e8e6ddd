"""Payment claims: draft, refresh, submit (a frozen snapshot; its entries locked), status flow, delete.

Every write takes the project's row lock first, the lock that ledger edits take too: of a submit
and an edit of one of its entries sent at once exactly one wins, the same draft submitted twice
gives one 200 and one 409 (one audit entry), two drafts of overlapping periods cannot both be made,
and numbers come from :mod:`budget.numbering` (ADR 0004).
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from budget import numbering
from budget.claims import repository, totals
from budget.claims.schemas import TRANSITIONS, ClaimCreate, ClaimPublic, ClaimStatusChange
from budget.db import audit
from budget.funding.plan import Plan, project_plan
from budget.funding.rules import split
from budget.ledger import fileformat
from budget.links import Links
from budget.models import PaymentClaim, Project
from budget.models.project import utcnow
from budget.projects import repository as projects
from budget.schemas import FigureScope
from budget.versions import repository as versions
from budget.versions.governance import Budget
from budget.versions.service import rate_of
from hanke_libs.auth import Principal
from hanke_libs.etag import IfMatch
from hanke_libs.money import round_cents
from hanke_libs.personal import redact_for
from hanke_libs.problems import Conflict, UnprocessableContent

ZERO = Decimal("0.00")
ADVANCE_LIMIT = Decimal("0.30")


def check_version(claim: PaymentClaim, if_match: IfMatch) -> None:
    """The If-Match of a claim action must name the claim's current version (checked under the
    project lock, so no change can slip in between the check and the write)."""
    if_match.check(claim.version, label=f"Payment claim {claim.number}")


async def writable(
    *, session: AsyncSession, principal: Principal, code: str, number: int | None = None
) -> tuple[Project, PaymentClaim | None]:
    """The project locked for a claim write by the lead's finance or an admin, and the claim."""
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    repository.require_writer(principal, project)
    claim = None if number is None else await repository.get(session=session, project=project, number=number)
    return project, claim


async def granted_support(*, session: AsyncSession, project: Project) -> Decimal:
    """The ESR part of the planned eligible total of the version in force: the support granted."""
    version = await versions.current(session=session, project=project)
    if version is None:
        return ZERO
    plan = Plan.from_json(version.plan)
    budget = Budget(
        version.number, plan, await versions.lines(session=session, version=version), rate_of(project)
    )
    parts = split(budget.eligible_total(), plan.sources)
    return sum((parts[s.code] for s in plan.sources if s.kind == "esr"), ZERO)


async def create(
    *, session: AsyncSession, principal: Principal, code: str, data: ClaimCreate
) -> tuple[Project, PaymentClaim]:
    if data.period_end < data.period_start:
        raise UnprocessableContent("period_end is before period_start.", slug="invalid-period")
    project, _ = await writable(session=session, principal=principal, code=code)
    if data.kind.value == "advance":
        if data.requested_amount is None:
            raise UnprocessableContent(
                "An advance claim needs requested_amount.", slug="advance-amount-missing"
            )
        granted = await granted_support(session=session, project=project)
        limit = round_cents(granted * ADVANCE_LIMIT)
        earlier = await repository.advances_requested(session=session, project=project)
        if data.requested_amount + earlier > limit:
            raise UnprocessableContent(
                f"An advance may be at most 30 % of the granted support {granted:.2f} = {limit:.2f}; "
                f"requested {data.requested_amount:.2f} with {earlier:.2f} claimed in earlier advances.",
                slug="advance-over-limit",
                limit=f"{limit:.2f}",
            )
    elif data.requested_amount is not None:
        raise UnprocessableContent("requested_amount is only for advance claims.", slug="invalid-claim")
    else:
        if data.period_start < project.period_start or data.period_end > project.period_end:
            raise UnprocessableContent(
                "The claim's period must be inside the project period.", slug="invalid-period"
            )
        other = await repository.overlapping(
            session=session, project=project, start=data.period_start, end=data.period_end
        )
        if other is not None:
            raise Conflict(
                f"The period {data.period_start} – {data.period_end} overlaps payment claim {other.number} "
                f"({other.period_start} – {other.period_end}, {other.status}): claim periods of a project never "
                f"overlap. Start the new claim after {other.period_end}, or delete the draft first.",
                slug="claim-period-overlap",
                claim_number=other.number,
            )
    claim = PaymentClaim(
        project_id=project.id,  # type: ignore[arg-type]
        number=await numbering.next_number(session, project.id, "claim"),  # type: ignore[arg-type]
        kind=data.kind.value,
        period_start=data.period_start,
        period_end=data.period_end,
        requested_amount=data.requested_amount,
        note=data.note,
        created_by=principal.actor,
    )
    session.add(claim)
    await session.flush()
    taken = (
        0
        if claim.kind == "advance"
        else await repository.attach(session=session, project=project, claim=claim)
    )
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
        changes=data.model_dump(mode="json") | {"entries_taken": taken},
    )
    return project, claim


def require_draft(claim: PaymentClaim) -> None:
    if claim.status != "draft":
        raise Conflict(
            f"Payment claim {claim.number} is {claim.status}: a submitted claim is a frozen snapshot.",
            slug="claim-frozen",
            claim_number=claim.number,
        )


async def refresh(
    *, session: AsyncSession, principal: Principal, code: str, number: int, if_match: IfMatch
) -> tuple[Project, PaymentClaim]:
    project, claim = await writable(session=session, principal=principal, code=code, number=number)
    assert claim is not None
    check_version(claim, if_match)
    require_draft(claim)
    taken = (
        0
        if claim.kind == "advance"
        else await repository.attach(session=session, project=project, claim=claim)
    )
    claim.version += 1
    session.add(claim)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="refresh",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
        changes={"entries_taken": taken},
    )
    return project, claim


async def remove(
    *, session: AsyncSession, principal: Principal, code: str, number: int, if_match: IfMatch
) -> None:
    """Delete a draft and release its entries (its number is not given again)."""
    project, claim = await writable(session=session, principal=principal, code=code, number=number)
    assert claim is not None
    check_version(claim, if_match)
    require_draft(claim)
    await repository.release(session=session, claim=claim)
    await session.delete(claim)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="delete",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
    )


async def freeze(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, principal: Principal
) -> None:
    """Take the snapshot of a claim being submitted: totals, funding sources and every voucher."""
    entries = await repository.entries_of(session=session, claim=claim)
    if claim.kind != "advance" and not entries:
        raise Conflict(
            f"Payment claim {claim.number} has no entries to submit: book costs of its period and refresh it.",
            slug="claim-empty",
        )
    plan = await project_plan(session=session, project=project)
    claim.snapshot = {
        "taken_at": utcnow().isoformat(),
        "totals": await totals.live(session=session, project=project, claim=claim),
        "sources": totals.sources_json(plan.sources),
        "vouchers": [
            dict(zip(fileformat.COLUMNS, fileformat.entry_row(e, project.code), strict=True)) for e in entries
        ],
    }
    claim.submitted_at, claim.submitted_by = utcnow(), principal.actor


async def change_status(
    *,
    session: AsyncSession,
    principal: Principal,
    code: str,
    number: int,
    data: ClaimStatusChange,
    if_match: IfMatch,
) -> tuple[Project, PaymentClaim]:
    project, claim = await writable(session=session, principal=principal, code=code, number=number)
    assert claim is not None
    check_version(claim, if_match)
    new = data.status.value
    if new not in TRANSITIONS[claim.status]:
        allowed = ", ".join(sorted(TRANSITIONS[claim.status])) or "none"
        raise Conflict(
            f"Payment claim {claim.number} cannot go from {claim.status} to {new} (allowed: {allowed}); "
            "read it again to see its status.",
            slug="claim-status-transition",
            claim_status=claim.status,
        )
    before = claim.status
    if new == "submitted":
        await freeze(session=session, project=project, claim=claim, principal=principal)
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
        actor=principal,
        action="status",
        entity_type="payment_claim",
        entity_id=f"{project.code}/{claim.number}",
        changes={
            "status": [before, new],
            "approved_amount": str(claim.approved_amount) if claim.approved_amount is not None else None,
            "note": data.note,
        },
    )
    return project, claim


async def public(
    *, session: AsyncSession, principal: Principal, project: Project, claim: PaymentClaim, links: Links
) -> ClaimPublic:
    """The claim as ``principal`` may see it: whole, or a co-implementer's part."""
    part = repository.part_of(principal, project)
    is_frozen = claim.status != "draft" and claim.snapshot is not None
    figures = (
        await totals.frozen(session=session, project=project, claim=claim, part=part)
        if is_frozen
        else await totals.live(session=session, project=project, claim=claim, part=part)
    )
    body = ClaimPublic(
        number=claim.number,
        kind=claim.kind,
        period_start=claim.period_start,
        period_end=claim.period_end,
        status=claim.status,
        frozen=is_frozen,
        scope=FigureScope(implementer=part),
        entries=figures["entries"],
        costs=Decimal(figures["costs"]),
        flat_rate=Decimal(figures["flat_rate"]),
        income=Decimal(figures["income"]),
        eligible=Decimal(figures["eligible"]),
        claimable_esr=Decimal(figures["claimable_esr"]),
        requested_amount=claim.requested_amount if part is None else None,
        approved_amount=claim.approved_amount if part is None else None,
        funding_shares=figures["funding_shares"],
        by_implementer=figures["by_implementer"],
        note=claim.note,
        submitted_at=claim.submitted_at,
        submitted_by=claim.submitted_by,
        created_by=claim.created_by,
        version=claim.version,
        href=links.claim(project.code, claim.number),
        ledger=links.ledger(project.code, claim_id=claim.id, implementer=part),
        verify=links.claim(project.code, claim.number) + "/verify",
        how=totals.HOW,
    )
    return redact_for(principal, body)


async def one(
    *, session: AsyncSession, principal: Principal, code: str, number: int
) -> tuple[Project, PaymentClaim]:
    project = await projects.get(session=session, principal=principal, code=code)
    claim = await repository.get(
        session=session, project=project, number=number, part=repository.part_of(principal, project)
    )
    return project, claim


async def page(
    *, session: AsyncSession, principal: Principal, code: str, links: Links, offset: int, limit: int
) -> list[ClaimPublic]:
    project = await projects.get(session=session, principal=principal, code=code)
    part = repository.part_of(principal, project)
    rows = await repository.page(session=session, project=project, part=part, offset=offset, limit=limit)
    return [
        await public(session=session, principal=principal, project=project, claim=c, links=links)
        for c in rows
    ]
