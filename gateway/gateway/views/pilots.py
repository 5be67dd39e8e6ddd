"""Pilot views: a pilot's overview (the pilot, its champions, its costs from the ledger)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from gateway.views.common import Fanout, PilotId, ViewBase, ids_in
from hanke_libs.auth import CurrentPrincipal, Role
from hanke_libs.problems import Forbidden, NotFound, UpstreamProblem

router = APIRouter()
# Roles that read every pilot; a caller with none of them but ``champion`` sees only their own.
WIDER_READERS = (
    Role.admin,
    Role.project_manager,
    Role.pilot_owner,
    Role.steering,
    Role.auditor,
    Role.finance,
)


class PilotOverview(ViewBase):
    """A pilot with its champions and its costs from the ledger."""

    pilot_id: str
    project_code: str | None = Field(default=None, description="The pilot's project")
    pilot: dict[str, Any] | None = Field(default=None, description="pilots: GET /api/v1/pilots/pilots/{id}")
    champions: Any = Field(
        default=None, description="participants: GET /api/v1/participants/pilots/{id}/champions"
    )
    costs: Any = Field(
        default=None,
        description="budget: GET /api/v1/budget/projects/{code}/costs/by-pilot/{id} (ledger costs of the pilot)",
    )


@router.get(
    "/pilots/{pilot_id}/overview",
    response_model=PilotOverview,
    summary="A pilot's overview: the pilot, its champions and its costs",
)
async def pilot_overview(
    pilot_id: PilotId,
    request: Request,
    principal: CurrentPrincipal,
    project_code: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=r"^[A-Za-z0-9_.-]+$",
            description="The pilot's project code; saves waiting for the pilot before asking the budget",
        ),
    ] = None,
) -> JSONResponse:
    """The pilot, its champions and its ledger costs, fetched concurrently (the costs as soon as the
    project code is known). 404 when the pilots service does not know the pilot, or when
    ``project_code`` names a project the pilot is not in. A caller who is only a champion sees the
    overviews of their own pilots (403 otherwise)."""
    fan = Fanout(request, principal)
    pid = quote(pilot_id, safe="")
    champion_only = principal.has(Role.champion) and not principal.has(*WIDER_READERS)

    def costs_call(code: str) -> Any:
        return fan.start("costs", "budget", f"/projects/{quote(code, safe='')}/costs/by-pilot/{pid}")

    try:
        me_task = fan.start("me", "participants", "/me") if champion_only else None
        pilot_task = fan.start("pilot", "pilots", f"/pilots/{pid}")
        champions_task = fan.start("champions", "participants", f"/pilots/{pid}/champions")
        costs_task = costs_call(project_code) if project_code else None
        if me_task is not None:
            me = await me_task
            if me is None:
                raise UpstreamProblem(
                    "Your champion enrolments could not be checked (participants service).",
                    service="participants",
                )
            if pilot_id not in ids_in(me):
                raise Forbidden("A champion sees the overviews of their own pilots only.")
        pilot = await pilot_task
        if fan.statuses.get("pilot") == 404:
            raise NotFound(f"Pilot {pilot_id!r} does not exist.")
        actual = pilot.get("project_code") if isinstance(pilot, dict) else None
        if project_code and actual and actual != project_code:
            raise NotFound(f"Pilot {pilot_id!r} is not in project {project_code!r}.")
        code = project_code or actual
        if costs_task is None:
            if code:
                costs_task = costs_call(str(code))
            else:
                fan.miss("costs", "budget", "the pilot's project code is not known; pass project_code")
        champions = await champions_task
        costs = await costs_task if costs_task else None
    finally:
        fan.cancel()
    return fan.respond(
        {
            "pilot_id": pilot_id,
            "project_code": code,
            "pilot": pilot,
            "champions": champions,
            "costs": costs,
        }
    )
