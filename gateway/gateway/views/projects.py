"""Project views: the situational picture (tilannekuva) and the interim evaluation data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from gateway.views.common import Fanout, ProjectCode, ViewBase, ids_in, raise_not_found
from hanke_libs.auth import CurrentPrincipal

router = APIRouter()
Part = dict[str, Any] | None


class SituationView(ViewBase):
    """The situational picture (tilannekuva) of a project, composed from the three services."""

    project_code: str
    budget: Part = Field(
        default=None,
        description="Budget utilisation, funding by source and own-funding cap status "
        "(budget: GET /api/v1/budget/projects/{code}/summary)",
    )
    pilots: Part = Field(
        default=None,
        description="The pilot portfolio by stage and whether the 3-5 rule holds "
        "(pilots: GET /api/v1/pilots/projects/{code}/portfolio)",
    )
    participants: Part = Field(
        default=None,
        description="Champions and coaching hours by sector, competence baseline vs latest and maturity "
        "by sector (participants: GET /api/v1/participants/projects/{code}/situation)",
    )


class InterimEvaluationView(ViewBase):
    """Data of the interim evaluation for the city board, as of one year after the project's start."""

    project_code: str
    as_of: dt.date | None = Field(description="The date the figures are as of")
    period_start: dt.date | None = Field(default=None, description="The project's start (budget service)")
    budget: Part = Field(default=None, description="Budget realisation as of the date (budget summary)")
    pilots: Part = Field(default=None, description="The pilot portfolio (pilots service)")
    indicators: dict[str, Any] = Field(
        default_factory=dict,
        description="Each pilot's indicators by pilot id (pilots: GET /api/v1/pilots/pilots/{id}/indicators)",
    )
    participants: Part = Field(
        default=None, description="Champions reached and competence change as of the date (participants)"
    )


@router.get(
    "/projects/{code}/situation",
    response_model=SituationView,
    summary="Situational picture (tilannekuva) of a project",
)
async def situation(code: ProjectCode, request: Request, principal: CurrentPrincipal) -> JSONResponse:
    """Budget, pilot portfolio and champions/competence of a project, fetched concurrently. Parts
    whose service fails are listed in ``missing``; personal data is left out for aggregate-only roles.
    404 when the services that own projects (budget, pilots) do not know the project."""
    fan = Fanout(request, principal)
    q = quote(code, safe="")
    budget, pilots, participants = await fan.gather(
        fan.get("budget", "budget", f"/projects/{q}/summary"),
        fan.get("pilots", "pilots", f"/projects/{q}/portfolio"),
        fan.get("participants", "participants", f"/projects/{q}/situation"),
    )
    if fan.project_unknown(["budget", "pilots"]):
        raise_not_found(f"Project {code!r}")
    return fan.respond(
        {"project_code": code, "budget": budget, "pilots": pilots, "participants": participants}
    )


def one_year_after(start: dt.date) -> dt.date:
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def period_start(summary: Any) -> dt.date | None:
    """``project.period_start`` (or a top-level ``period_start``) of a budget summary."""
    if not isinstance(summary, dict):
        return None
    project = summary.get("project")
    raw = project.get("period_start") if isinstance(project, dict) else None
    raw = raw or summary.get("period_start")
    try:
        return dt.date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


@router.get(
    "/projects/{code}/interim-evaluation",
    response_model=InterimEvaluationView,
    summary="Interim evaluation data (väliarviointi) for the city board",
)
async def interim_evaluation(
    code: ProjectCode,
    request: Request,
    principal: CurrentPrincipal,
    as_of: Annotated[
        dt.date | None, Query(description="Date of the figures; default one year after the project's start")
    ] = None,
) -> JSONResponse:
    """Budget realisation, pilots and their indicators, champions reached and competence change,
    as of one year after the project's start (from the budget service) unless ``as_of`` is given.
    404 when the services that own projects (budget, pilots) do not know the project."""
    fan = Fanout(request, principal)
    q = quote(code, safe="")
    try:
        portfolio_task = fan.start("pilots", "pilots", f"/projects/{q}/portfolio")
        start: dt.date | None = None
        if as_of is None:
            plain = await fan.get("project_start", "budget", f"/projects/{q}/summary")
            start = period_start(plain)
            if start is not None:
                as_of = one_year_after(start)
            elif plain is not None:
                fan.miss("as_of", "budget", "the project's start date is not known; pass as_of")
        params = {"as_of": as_of.isoformat()} if as_of else None
        budget_task = fan.start("budget", "budget", f"/projects/{q}/summary", params) if as_of else None
        participants_task = fan.start("participants", "participants", f"/projects/{q}/situation", params)
        portfolio = await portfolio_task
        pilot_ids = ids_in(portfolio)[:100]
        indicator_lists = await fan.gather(
            *(
                fan.get(f"indicators:{pid}", "pilots", f"/pilots/{quote(pid, safe='')}/indicators")
                for pid in pilot_ids
            )
        )
        budget = await budget_task if budget_task else None
        participants = await participants_task
    finally:
        fan.cancel()
    if fan.project_unknown(["project_start", "budget", "pilots"]):
        raise_not_found(f"Project {code!r}")
    if start is None and isinstance(budget, dict):
        start = period_start(budget)
    return fan.respond(
        {
            "project_code": code,
            "as_of": as_of.isoformat() if as_of else None,
            "period_start": start.isoformat() if start else None,
            "budget": budget,
            "pilots": portfolio,
            "indicators": {
                pid: data for pid, data in zip(pilot_ids, indicator_lists, strict=True) if data is not None
            },
            "participants": participants,
        }
    )
