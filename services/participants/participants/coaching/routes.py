"""Renewal support: coaching events, attendance and totals."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from hanke_libs.db import SessionDep
from hanke_libs.inputs import StrictDate
from hanke_libs.links import public_url
from hanke_libs.paging import Page, PageDep, offset_page
from participants.access import AggregateReader, Manager
from participants.coaching import service
from participants.coaching.repository import Coaching
from participants.coaching.schemas import (
    AttendanceAdded,
    AttendanceCreate,
    CoachingEventCreate,
    CoachingEventPublic,
    CoachingTotals,
)
from participants.disclosure import MIN_GROUP
from participants.pilots import PilotsDep
from participants.schemas import ProjectCode

router = APIRouter(tags=["champions and coaching"])


def _public(event: Any, attendees: int) -> CoachingEventPublic:
    return CoachingEventPublic.model_validate(event).model_copy(update={"attendees": attendees})


@router.post(
    "/coaching-events",
    status_code=201,
    response_model=CoachingEventPublic,
    summary="Record a coaching event",
    description="A coaching, workshop, foresight or peer-learning event of a project (admin, "
    "project_manager). The project code and the pilot id, when given, are checked with the pilots service.",
)
async def create_event(
    data: CoachingEventCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Manager,
    pilots: PilotsDep,
) -> CoachingEventPublic:
    event = await service.create_event(session=session, actor=principal, pilots=pilots, data=data)
    response.headers["Location"] = public_url(request.app.state.settings, f"/coaching-events/{event.id}")
    return _public(event, 0)


@router.get(
    "/coaching-events",
    response_model=Page[CoachingEventPublic],
    summary="List coaching events",
    description="Coaching events by date, with the number of attendees (no names).",
)
async def list_events(
    session: SessionDep, page: PageDep, principal: AggregateReader, project_code: ProjectCode | None = None
) -> Page[CoachingEventPublic]:
    rows, total = await Coaching(session, principal).page(project_code, page)
    return offset_page([_public(e, n) for e, n in rows], page, total)


@router.get(
    "/coaching-events/{event_id}",
    response_model=CoachingEventPublic,
    summary="Read a coaching event",
    description="One coaching event with its number of attendees (no names).",
)
async def get_event(event_id: str, session: SessionDep, principal: AggregateReader) -> CoachingEventPublic:
    coaching = Coaching(session, principal)
    event = await coaching.event(event_id)
    return _public(event, len(await coaching.attendees(event)))


@router.post(
    "/coaching-events/{event_id}/attendance",
    response_model=AttendanceAdded,
    summary="Mark attendance at a coaching event",
    description="Mark active people as attending (admin, project_manager); people already marked are left "
    "as they are. Unknown or inactive people are listed in a 422.",
)
async def add_attendance(
    event_id: str, data: AttendanceCreate, session: SessionDep, principal: Manager
) -> AttendanceAdded:
    event = await Coaching(session, principal).event(event_id)
    added = await service.record_attendance(
        session=session, actor=principal, event=event, person_ids=data.person_ids, hours=data.hours
    )
    return AttendanceAdded(added=added)


@router.get(
    "/projects/{project_code}/coaching-totals",
    response_model=CoachingTotals,
    summary="Coaching totals of a project",
    description="People coached, events, attendances and hours per org unit or sector, and the project total, "
    "under the small-group rule (no group under 10 people, and none recoverable from the shown figures); per "
    "champion (personal data, admin and project_manager only). With `as_of` events up to that day.",
)
async def coaching_totals(
    project_code: ProjectCode,
    session: SessionDep,
    principal: AggregateReader,
    by: Annotated[Literal["champion", "org_unit", "sector"], Query()] = "sector",
    as_of: Annotated[StrictDate | None, Query(description="Events on or before this day")] = None,
) -> CoachingTotals:
    total, groups = await service.totals(session, principal, project_code, by, as_of=as_of)
    return CoachingTotals(
        project_code=project_code,
        by=by,
        as_of=as_of,
        min_group_size=MIN_GROUP,
        total=total,
        groups=groups,  # type: ignore[arg-type]
    )
