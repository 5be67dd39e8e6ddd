"""Figures: summary, utilisation, funding, own-funding caps, forecast, costs by pilot."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from budget.access import by_pilot, read_figures
from budget.figures import tables
from budget.figures.base import base
from budget.figures.by_pilot import costs_by_pilot
from budget.links import LinksDep
from budget.pilots import PilotsDep
from budget.projects.routes import Code
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from hanke_libs.inputs import StrictDate

router = APIRouter(tags=["figures"])
Reader = Annotated[Principal, Depends(read_figures)]
AsOf = Annotated[
    StrictDate | None,
    Query(description="Figures as of this date: the budget version in force on it, costs dated up to it"),
]
SCOPE = " Finance gets its own implementer's figures (`scope`); `budget` names the version in force."


@router.get(
    "/projects/{code}/summary",
    summary="Key figures of a project",
    description="Plan (the version in force on `as_of`) against actual, the funding split, own funding "
    "against its caps and the forecast, with links to the rows behind them." + SCOPE,
)
async def summary(
    code: Code, session: SessionDep, caller: Reader, links: LinksDep, as_of: AsOf = None
) -> dict[str, Any]:
    return tables.summary(await base(session=session, principal=caller, code=code, as_of=as_of), links, as_of)


@router.get(
    "/projects/{code}/figures/utilisation",
    summary="Plan against actual per implementer, year and cost category",
    description="Every cell with its ledger link; totals are sums of the rows." + SCOPE,
)
async def utilisation(
    code: Code, session: SessionDep, caller: Reader, links: LinksDep, as_of: AsOf = None
) -> dict[str, Any]:
    return tables.utilisation(await base(session=session, principal=caller, code=code, as_of=as_of), links)


@router.get(
    "/projects/{code}/figures/funding",
    summary="Funding split by source, in total and per implementer",
    description="Planned and actual eligible cost split by the funding sources of the version in force "
    "(the parts sum exactly)." + SCOPE,
)
async def funding(code: Code, session: SessionDep, caller: Reader, as_of: AsOf = None) -> dict[str, Any]:
    return tables.funding(await base(session=session, principal=caller, code=code, as_of=as_of))


@router.get(
    "/projects/{code}/figures/own-funding",
    summary="Own funding against each cap",
    description="within / at_risk / exceeded per cap of the plan in force." + SCOPE,
)
async def own_funding(
    code: Code, session: SessionDep, caller: Reader, links: LinksDep, as_of: AsOf = None
) -> dict[str, Any]:
    return tables.own_funding(await base(session=session, principal=caller, code=code, as_of=as_of), links)


@router.get(
    "/projects/{code}/figures/forecast",
    summary="Forecast to the end of the project",
    description="Actual so far plus the monthly burn rate times the months left." + SCOPE,
)
async def forecast(code: Code, session: SessionDep, caller: Reader, as_of: AsOf = None) -> dict[str, Any]:
    return tables.forecast(await base(session=session, principal=caller, code=code, as_of=as_of))


@router.get(
    "/projects/{code}/costs/by-pilot/{pilot_id}",
    summary="Eligible cost booked to one pilot",
    description="Admin, project manager, auditor and steering: every implementer's costs of the pilot; a "
    "pilot owner: the pilots it owns (403 otherwise, asked from the pilots service); finance: its own "
    "implementer's costs of the pilot.",
)
async def pilot_costs(
    code: Code,
    pilot_id: Annotated[str, Path(min_length=1, max_length=64)],
    session: SessionDep,
    caller: Annotated[Principal, Depends(by_pilot)],
    pilots: PilotsDep,
    links: LinksDep,
) -> dict[str, Any]:
    return await costs_by_pilot(
        session=session, principal=caller, code=code, pilot_id=pilot_id, pilots=pilots, links=links
    )
