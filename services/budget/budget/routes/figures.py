"""Figures: summary, utilisation, funding, own-funding caps, forecast, costs by pilot, summary check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select

from budget import figures, projects, summaries
from budget.access import admin_only, by_pilot, read_figures
from budget.categories import FLAT_RATE, INCOME
from budget.routes.projects import Code
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep

router = APIRouter(tags=["figures"])
Reader = Annotated[Principal, Depends(read_figures)]
AsOf = Annotated[dt.date | None, Query(description="Figures up to and including this date (default: all)")]


@router.get("/projects/{code}/summary", summary="Key figures: plan, actual, funding split, own-funding caps")
async def summary(code: Code, session: SessionDep, _: Reader, as_of: AsOf = None) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    return await figures.summary(session=session, project=project, as_of=as_of)


@router.get(
    "/projects/{code}/figures/utilisation", summary="Plan vs actual per implementer × year × category"
)
async def utilisation(code: Code, session: SessionDep, _: Reader, as_of: AsOf = None) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    return figures.utilisation(await figures.base(session=session, project=project, as_of=as_of))


@router.get(
    "/projects/{code}/figures/funding", summary="Funding split by source, in total and per implementer"
)
async def funding(code: Code, session: SessionDep, _: Reader, as_of: AsOf = None) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    b = await figures.base(session=session, project=project, as_of=as_of)
    return {
        "project": project.code,
        "as_of": b.as_of.isoformat(),
        "planned_total": figures.money(figures.total(b.planned)),
        "actual_eligible": figures.money(figures.total(b.actual)),
        "sources": figures.funding(b),
        "by_implementer": figures.funding_by_implementer(b),
        "rounding_rule": figures.RULE,
    }


@router.get(
    "/projects/{code}/figures/own-funding", summary="Own funding against each cap (within/at_risk/exceeded)"
)
async def own_funding(code: Code, session: SessionDep, _: Reader, as_of: AsOf = None) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    b = await figures.base(session=session, project=project, as_of=as_of)
    return {
        "project": project.code,
        "as_of": b.as_of.isoformat(),
        "caps": await figures.own_funding(session=session, b=b),
        "how": figures.CAP_RULE,
    }


@router.get(
    "/projects/{code}/figures/forecast", summary="Forecast to the end of the project from the burn rate"
)
async def forecast(code: Code, session: SessionDep, _: Reader, as_of: AsOf = None) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    b = await figures.base(session=session, project=project, as_of=as_of)
    return {"project": project.code, "as_of": b.as_of.isoformat()} | figures.forecast(b)


@router.get("/projects/{code}/costs/by-pilot/{pilot_id}", summary="Eligible cost booked to one pilot")
async def costs_by_pilot(
    code: Code, pilot_id: str, session: SessionDep, _: Annotated[Principal, Depends(by_pilot)]
) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    t = summaries.LEDGER
    stmt = (
        select(t.c.category_code, func.sum(t.c.amount), func.sum(t.c.flat_amount), func.count())
        .where(t.c.project_id == project.id, t.c.pilot_id == pilot_id)
        .group_by(t.c.category_code)
        .order_by(t.c.category_code)
    )
    conn = await session.connection()
    amounts: dict[str, Decimal] = {}
    entries = 0
    for cat, amount, flat, count in await conn.execute(stmt):
        amounts[cat] = -amount if cat == INCOME else amount
        if flat:
            amounts[FLAT_RATE] = amounts.get(FLAT_RATE, Decimal("0.00")) + flat
        entries += int(count)
    total = sum(amounts.values(), Decimal("0.00"))
    return {
        "pilot_id": pilot_id,
        "project": project.code,
        "total": figures.money(total),
        "by_category": [{"category": c, "amount": figures.money(a)} for c, a in sorted(amounts.items())],
        "entries": entries,
        "ledger": figures.ledger_link(project, pilot_id=pilot_id),
        "how": "eligible cost of the entries with this pilot_id: costs + computed flat rate − income",
    }


@router.post(
    "/projects/{code}/admin/summaries/check", summary="Check (and rebuild) the ledger summary (admin)"
)
async def check_summaries(
    code: Code,
    session: SessionDep,
    actor: Annotated[Principal, Depends(admin_only)],
    rebuild: Annotated[
        bool, Query(description="Replace the summary by the one recomputed from the ledger")
    ] = False,
) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    result = await summaries.check(session, project.id, rebuild=rebuild)  # type: ignore[arg-type]
    if result["rebuilt"]:
        from budget.db import audit

        await audit.record(
            session,
            actor=actor,
            action="rebuild",
            entity_type="ledger_summary",
            entity_id=project.code,
            changes={"differences": len(result["differences"])},
        )
    return result
