"""A claim's figures: from its rows while a draft, from its frozen snapshot once submitted, for the
whole joint claim or one co-implementer's part. Eligible = costs + flat rate − income; the ESR part
is split by the funding rule (:mod:`budget.funding.rules`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.categories import INCOME
from budget.claims import repository
from budget.funding.plan import Plan, Source, project_plan
from budget.funding.rules import RULE, split
from budget.models import PaymentClaim, Project

ZERO = Decimal("0.00")
HOW = (
    "eligible = costs + computed flat rate − income of the claim's entries; claimable_esr = the ESR part of "
    "eligible by the project's rounding rule. " + RULE
)
Per = dict[str, dict[str, Any]]


def per_implementer(rows: Sequence[tuple[str, str, Decimal, Decimal, int]]) -> Per:
    per: Per = {}
    for impl, cat, amount, flat, count in rows:
        row = per.setdefault(impl, {"costs": ZERO, "flat_rate": ZERO, "income": ZERO, "entries": 0})
        if cat == INCOME:
            row["income"] += amount
        else:
            row["costs"] += amount
            row["flat_rate"] += flat
        row["entries"] += count
    return per


def totals(per: Per, sources: Sequence[Source], claim: PaymentClaim) -> dict[str, Any]:
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


async def live_per(*, session: AsyncSession, claim: PaymentClaim) -> Per:
    return per_implementer(await repository.sums_by_implementer(session=session, claim=claim))


async def live(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, part: str | None = None
) -> dict[str, Any]:
    """The claim's figures from its rows (only ``part``'s rows when given)."""
    per = await live_per(session=session, claim=claim)
    if part is not None:
        per = {k: v for k, v in per.items() if k == part}
    plan = await project_plan(session=session, project=project)
    return totals(per, plan.sources, claim)


def snapshot_sources(snapshot: dict[str, Any], fallback: Sequence[Source]) -> list[Source]:
    raw = snapshot.get("sources")
    if not raw:
        return list(fallback)
    return Plan.from_json(
        {
            "period_start": "2000-01-01",
            "period_end": "2000-01-01",
            "implementers": [],
            "funding_sources": raw,
            "own_funding_caps": [],
        }
    ).sources


async def frozen(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, part: str | None = None
) -> dict[str, Any]:
    """The frozen figures (the snapshot), or ``part``'s share of them recomputed from its snapshot row."""
    assert claim.snapshot is not None
    whole: dict[str, Any] = claim.snapshot["totals"]
    if part is None:
        return whole
    plan = await project_plan(session=session, project=project)
    sources = snapshot_sources(claim.snapshot, plan.sources)
    per: Per = {
        r["implementer"]: {
            "costs": Decimal(r["costs"]),
            "flat_rate": Decimal(r["flat_rate"]),
            "income": Decimal(r["income"]),
            "entries": int(r["entries"]),
        }
        for r in whole["by_implementer"]
        if r["implementer"] == part
    }
    return totals(per, sources, claim)


def sources_json(sources: Sequence[Source]) -> list[dict[str, Any]]:
    return [
        {
            "code": s.code,
            "name": s.name,
            "kind": s.kind,
            "share_percent": f"{Decimal(s.share_bp) / 100:.2f}",
            "position": s.position,
        }
        for s in sources
    ]
