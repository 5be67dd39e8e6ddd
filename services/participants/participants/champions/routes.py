"""Champions (kellokkaat): enrolment, a pilot's champions, the caller's own enrolments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from hanke_libs.auth import CurrentPrincipal, request_principal
from hanke_libs.db import SessionDep
from hanke_libs.inputs import StrictDate
from hanke_libs.leanroute import LeanRoute, lean
from hanke_libs.links import public_url
from hanke_libs.paging import PageDep, offset_page
from hanke_libs.personal import redact_for
from participants.access import Manager, NotHrSync, manager
from participants.champions import hot, service
from participants.champions.repository import Champions
from participants.champions.schemas import (
    ChampionCreate,
    ChampionPublic,
    MyEnrolments,
    MyPilotEnrolment,
    PilotChampion,
    PilotChampions,
    PilotEnrolment,
    PilotEnrolmentPublic,
)
from participants.pilots import PilotsDep
from participants.schemas import AsOfDescription, AsOfPage, ProjectCode

router = APIRouter(tags=["champions and coaching"], route_class=LeanRoute)
AsOf = Annotated[StrictDate | None, Query(description=AsOfDescription)]


@router.post(
    "/champions",
    status_code=201,
    response_model=ChampionPublic,
    summary="Enrol a champion (kellokas)",
    description="Enrol an active person as a champion of a project, optionally in some of its pilots "
    "(admin, project_manager). The project code and every pilot id are checked with the pilots "
    "service: an unknown project or pilot, or a pilot of another project, is a 422 naming it.",
)
async def enrol_champion(
    data: ChampionCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Manager,
    pilots: PilotsDep,
) -> dict[str, Any]:
    champion = await service.enrol(session=session, actor=principal, pilots=pilots, data=data)
    response.headers["Location"] = public_url(request.app.state.settings, f"/champions/{champion.id}")
    return (await Champions(session, principal).views([champion]))[0]


async def _get_champion_lean(request: Request, champion_id: str) -> Response:
    """``get_champion`` with its dependencies called directly (hanke_libs.leanroute)."""
    return await get_champion(champion_id, request, await manager(await request_principal(request)))


@router.get(
    "/champions/{champion_id}",
    response_model=ChampionPublic,
    summary="Read a champion",
    description="One champion with its pilot enrolments (admin, project_manager).",
)
@lean(_get_champion_lean)
async def get_champion(champion_id: str, request: Request, principal: Manager) -> Response:
    """A hot read: one statement on the read pool, no session, no row lock (champions.hot); the body
    validated and serialised once, as its response model would."""
    view = await hot.read_view(db=request.app.state.db, principal=principal, champion_id=champion_id)
    body = ChampionPublic.model_validate(view)
    return Response(body.__pydantic_serializer__.to_json(body), media_type="application/json")


@router.post(
    "/champions/{champion_id}/pilots",
    status_code=201,
    response_model=PilotEnrolmentPublic,
    summary="Enrol a champion in a pilot",
    description="Enrol an existing champion in one more pilot of its project (admin, project_manager). "
    "The pilot id is checked with the pilots service (422 when unknown or of another project).",
)
async def enrol_in_pilot(
    champion_id: str,
    data: PilotEnrolment,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Manager,
    pilots: PilotsDep,
) -> Any:
    champion = await Champions(session, principal).get_for_update(champion_id)
    enrolment = await service.add_pilot(
        session=session, actor=principal, champion=champion, data=data, pilots=pilots
    )
    response.headers["Location"] = public_url(request.app.state.settings, f"/champions/{champion.id}")
    return enrolment


@router.get(
    "/champions",
    response_model=AsOfPage[ChampionPublic],
    summary="The champions, a page at a time",
    description="Champions of every project or of one (admin, project_manager); with `as_of` only "
    "those enrolled by then and not ended before it. Every listed person's read is logged.",
)
async def list_champions(
    session: SessionDep,
    page: PageDep,
    principal: Manager,
    project_code: ProjectCode | None = None,
    as_of: AsOf = None,
) -> AsOfPage[dict[str, Any]]:
    champions = Champions(session, principal)
    rows, total = await champions.page(project_code, as_of, page)
    result = offset_page(await champions.views(rows), page, total)
    return AsOfPage[dict[str, Any]](**result.model_dump(), as_of=as_of)


@router.get(
    "/pilots/{pilot_id}/champions",
    response_model=PilotChampions,
    summary="A pilot's champions",
    description="Names, titles and units for the pilot's own owner (asked of the pilots service), its "
    "own champions (co-champions), project_manager and admin; steering sees the count only; any other "
    "caller is refused. With `as_of` only enrolments active on that day.",
)
async def pilot_champions(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, pilots: PilotsDep, as_of: AsOf = None
) -> PilotChampions:
    rows, named = await Champions(session, principal, pilots).of_pilot(pilot_id, as_of)
    if not named:
        return PilotChampions(pilot_id=pilot_id, as_of=as_of, count=len(rows))
    champions = [
        PilotChampion(
            champion_id=r.champion.id,
            person_id=r.person.id,
            display_name=r.person.display_name,
            title=r.person.title,
            org_unit_id=r.person.org_unit_id,
            role=r.enrolment.role,
            start_date=r.enrolment.start_date,
            end_date=r.enrolment.end_date,
        )
        for r in rows
    ]
    return redact_for(
        principal, PilotChampions(pilot_id=pilot_id, as_of=as_of, count=len(rows), champions=champions)
    )


@router.get(
    "/me/enrolments",
    response_model=MyEnrolments,
    summary="My active champion enrolments",
    description="The caller's own pilot enrolments and champion projects active on `as_of` (default "
    "today): what the pilots service asks (as the caller) to decide a champion's access. Any role but "
    "hr_sync; about the caller only; 404 problem when no person matches the caller.",
)
async def my_enrolments(
    session: SessionDep,
    principal: NotHrSync,
    as_of: Annotated[StrictDate | None, Query(description="The day (default today)")] = None,
) -> MyEnrolments:
    day = as_of or dt.date.today()
    person_id, pilots, projects = await Champions(session, principal).own_enrolments(day)
    return MyEnrolments(
        person_id=person_id,
        as_of=day,
        pilots=[
            MyPilotEnrolment(
                pilot_id=e.pilot_id,
                project_code=c.project_code,
                role=e.role,
                start_date=e.start_date or c.start_date,
                end_date=e.end_date or c.end_date,
            )
            for e, c in pilots
        ],
        projects=projects,
    )
