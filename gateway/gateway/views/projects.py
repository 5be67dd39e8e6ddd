"""Project views: the situational picture (tilannekuva), and the interim evaluation (drafted and
rendered by the reports service)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from gateway.upstreams import UpstreamError
from gateway.views.common import Fanout, ProjectCode, ViewBase, raise_not_found
from hanke_libs.auth import CurrentPrincipal, request_principal
from hanke_libs.leanroute import LeanRoute, lean
from hanke_libs.observability import current_request_id

router = APIRouter(route_class=LeanRoute)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
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


async def _situation_lean(request: Request, code: str) -> JSONResponse:
    """``situation`` with its dependencies called directly (hanke_libs.leanroute)."""
    return await situation(code, request, await request_principal(request))


@router.get(
    "/projects/{code}/situation",
    response_model=SituationView,
    summary="Situational picture (tilannekuva) of a project",
)
@lean(_situation_lean)
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


INTERIM_HEADERS = ("accept", "accept-language", "authorization")
PASSED_BACK = ("Content-Type", "Content-Disposition", "Content-Language", "ETag", "Vary")


@router.get(
    "/projects/{code}/interim-evaluation",
    summary="Interim evaluation (väliarviointi) for the city board, as a document (reports service)",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}, DOCX: {}}},
        406: {"description": "The format asked for is not offered"},
    },
)
async def interim_evaluation(
    code: ProjectCode,
    request: Request,
    principal: CurrentPrincipal,
    as_of: Annotated[
        dt.date | None, Query(description="Date of the figures; default one year after the project's start")
    ] = None,
    format: Annotated[
        str | None, Query(pattern=r"^[a-z]{1,10}$", description="json, html, pdf or docx")
    ] = None,
    lang: Annotated[str | None, Query(pattern=r"^[a-z]{2}$", description="fi (default) or en")] = None,
) -> Response:
    """The reports service drafts it from the services' live data as of the day (every figure with its
    provenance, the charts with their tables) and renders what ``Accept`` / ``format`` asks for; this
    view passes the caller's token, ``Accept`` and ``Accept-Language`` to it and its answer back."""
    params = {
        k: v
        for k, v in (("as_of", as_of.isoformat() if as_of else None), ("format", format), ("lang", lang))
        if v
    }
    target = f"/projects/{quote(code, safe='')}/interim-evaluation" + (
        "?" + urlencode(params) if params else ""
    )
    headers = {k: v for k in INTERIM_HEADERS if (v := request.headers.get(k))}
    rid = current_request_id()
    if rid:
        headers["x-request-id"] = rid
    settings = request.app.state.settings
    try:
        resp = await request.app.state.upstreams["reports"].request(
            "GET", target, headers=headers, timeout_seconds=settings.view_deadline_seconds
        )
    except UpstreamError as exc:
        raise exc.problem() from exc
    passed = {name: value for name in PASSED_BACK if (value := resp.headers.get(name))}
    return Response(resp.body, status_code=resp.status, headers=passed)
