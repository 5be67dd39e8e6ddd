"""Champions (kellokkaat) and renewal support: enrolment, pilot champions, coaching and totals."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func
from sqlmodel import col, select

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.problems import Forbidden, NotFound
from participants import champions as domain
from participants.models import Champion, ChampionPilot, CoachingAttendance, CoachingEvent, Person
from participants.readlog import log_reads
from participants.schemas import (
    AttendanceCreate,
    ChampionCreate,
    ChampionPublic,
    CoachingEventCreate,
    CoachingEventPublic,
    CoachingTotal,
    PilotChampion,
    PilotChampions,
    PilotEnrolment,
    PilotEnrolmentPublic,
    ProjectCode,
)

router = APIRouter(tags=["champions and coaching"])
Manager = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]
PilotReader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.project_manager, Role.pilot_owner, Role.steering))
]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.project_manager, Role.steering, Role.pilot_owner, Role.auditor)),
]


@router.post(
    "/champions", status_code=201, response_model=ChampionPublic, summary="Enrol a champion (kellokas)"
)
async def enrol_champion(data: ChampionCreate, session: SessionDep, principal: Manager) -> dict[str, Any]:
    champion = await domain.enrol(session=session, actor=principal, data=data)
    return (await domain.champion_views(session, [champion]))[0]


@router.post(
    "/champions/{champion_id}/pilots",
    status_code=201,
    response_model=PilotEnrolmentPublic,
    summary="Enrol a champion in a pilot",
)
async def enrol_in_pilot(
    champion_id: str, data: PilotEnrolment, session: SessionDep, principal: Manager
) -> ChampionPilot:
    champion = await session.get(Champion, champion_id)
    if champion is None:
        raise NotFound(f"No champion {champion_id}.")
    return await domain.add_pilot(session=session, actor=principal, champion=champion, data=data)


@router.get(
    "/champions", response_model=Page[ChampionPublic], summary="List champions (admin, project_manager)"
)
async def list_champions(
    session: SessionDep, page: PageDep, principal: Manager, project_code: ProjectCode | None = None
) -> Page[dict[str, Any]]:
    clauses = [col(Champion.project_code) == project_code] if project_code else []
    total = (await session.exec(select(func.count()).select_from(Champion).where(*clauses))).one()
    stmt = select(Champion).where(*clauses).order_by(col(Champion.created_at), col(Champion.id))
    rows = list((await session.exec(stmt.offset(page.offset).limit(page.limit + 1))).all())
    await log_reads(
        session,
        reader=principal,
        person_ids=[c.person_id for c in rows[: page.limit]],
        purpose="champions.list",
    )
    return offset_page(await domain.champion_views(session, rows), page, total)


@router.get(
    "/pilots/{pilot_id}/champions",
    response_model=PilotChampions,
    summary="A pilot's champions: names for pilot_owner, project_manager, admin; the count for steering",
)
async def pilot_champions(pilot_id: str, session: SessionDep, principal: PilotReader) -> PilotChampions:
    stmt = (
        select(ChampionPilot, Champion, Person)
        .join(Champion, col(Champion.id) == ChampionPilot.champion_id)
        .join(Person, col(Person.id) == Champion.person_id)
        .where(ChampionPilot.pilot_id == pilot_id)
        .order_by(col(Person.family_name), col(Person.given_name), col(Person.id))
    )
    rows = (await session.exec(stmt)).all()
    if not principal.has(Role.admin, Role.project_manager, Role.pilot_owner):
        return PilotChampions(pilot_id=pilot_id, count=len(rows))
    await log_reads(
        session, reader=principal, person_ids=[p.id for _, _, p in rows], purpose="pilot.champions"
    )
    champions = [
        PilotChampion(
            champion_id=c.id,
            person_id=p.id,
            display_name=p.display_name,
            title=p.title,
            org_unit_id=p.org_unit_id,
            role=e.role,
            start_date=e.start_date,
            end_date=e.end_date,
        )
        for e, c, p in rows
    ]
    return PilotChampions(pilot_id=pilot_id, count=len(champions), champions=champions)


@router.post(
    "/coaching-events", status_code=201, response_model=CoachingEventPublic, summary="Record a coaching event"
)
async def create_event(data: CoachingEventCreate, session: SessionDep, principal: Manager) -> CoachingEvent:
    return await domain.create_event(session=session, actor=principal, data=data)


@router.get("/coaching-events", response_model=Page[CoachingEventPublic], summary="List coaching events")
async def list_events(
    session: SessionDep, page: PageDep, _: Reader, project_code: ProjectCode | None = None
) -> Page[CoachingEventPublic]:
    clauses = [col(CoachingEvent.project_code) == project_code] if project_code else []
    total = (await session.exec(select(func.count()).select_from(CoachingEvent).where(*clauses))).one()
    stmt = select(CoachingEvent).where(*clauses).order_by(col(CoachingEvent.date), col(CoachingEvent.id))
    events = list((await session.exec(stmt.offset(page.offset).limit(page.limit + 1))).all())
    counts: dict[str, int] = {}
    if events:
        count_stmt = (
            select(CoachingAttendance.event_id, func.count())
            .where(col(CoachingAttendance.event_id).in_([e.id for e in events]))
            .group_by(col(CoachingAttendance.event_id))
        )
        counts = {eid: n for eid, n in (await session.exec(count_stmt)).all()}
    items = [
        CoachingEventPublic.model_validate(e).model_copy(update={"attendees": counts.get(e.id, 0)})
        for e in events
    ]
    return offset_page(items, page, total)


@router.post("/coaching-events/{event_id}/attendance", summary="Mark attendance at a coaching event")
async def add_attendance(
    event_id: str, data: AttendanceCreate, session: SessionDep, principal: Manager
) -> dict[str, int]:
    event = await session.get(CoachingEvent, event_id)
    if event is None:
        raise NotFound(f"No coaching event {event_id}.")
    added = await domain.record_attendance(
        session=session, actor=principal, event=event, person_ids=data.person_ids, hours=data.hours
    )
    return {"added": added}


@router.get(
    "/projects/{project_code}/coaching-totals",
    response_model=list[CoachingTotal],
    summary="Coaching totals per champion (admin, project_manager), org unit or sector",
)
async def coaching_totals(
    project_code: str,
    session: SessionDep,
    principal: Reader,
    by: Annotated[Literal["champion", "org_unit", "sector"], Query()] = "sector",
) -> list[dict[str, Any]]:
    if by == "champion" and not principal.has(Role.admin, Role.project_manager):
        raise Forbidden("Totals per champion are personal data: admin or project_manager only.")
    totals = await domain.coaching_totals(session, project_code, by)
    if by == "champion":
        await log_reads(
            session, reader=principal, person_ids=[t["key"] for t in totals], purpose="coaching.totals"
        )
    return totals
