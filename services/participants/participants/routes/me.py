"""``GET /me``: the caller's own data; ``GET /projects/{code}/situation``: aggregates for steering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.problems import NotFound
from participants import champions as champion_domain
from participants.models import (
    Answer,
    AssessmentRound,
    Champion,
    CoachingAttendance,
    CoachingEvent,
    Framework,
    FrameworkItem,
    Person,
)
from participants.readlog import log_reads
from participants.routes.people import is_caller
from participants.schemas import Me, PersonPublic, Situation
from participants.situation import situation

router = APIRouter(tags=["me and situation"])
SituationReader = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.project_manager, Role.steering, Role.pilot_owner, Role.auditor)),
]
NotHrSync = Annotated[
    Principal,
    Depends(
        require_roles(
            Role.admin,
            Role.project_manager,
            Role.finance,
            Role.pilot_owner,
            Role.champion,
            Role.steering,
            Role.auditor,
        )
    ),
]


async def find_caller(session: AsyncSession, principal: Principal) -> Person:
    """The caller's person: id == principal.person_id, or external_id / user_name == subject."""
    stmt = select(Person).where(
        or_(
            col(Person.id) == principal.person_id,
            col(Person.external_id) == principal.subject,
            col(Person.user_name_key) == principal.subject.lower(),
        )
    )
    people = [p for p in (await session.exec(stmt)).all() if not p.pseudonymised]
    people.sort(key=lambda p: (p.id != principal.person_id, p.external_id != principal.subject))
    if not people or not (
        is_caller(people[0], principal) or people[0].user_name_key == principal.subject.lower()
    ):
        raise NotFound("No person record matches the caller.", slug="no-person")
    return people[0]


async def own_data(session: AsyncSession, person: Person) -> dict[str, Any]:
    enrolments = (
        await session.exec(
            select(Champion).where(Champion.person_id == person.id).order_by(col(Champion.project_code))
        )
    ).all()
    events_stmt = (
        select(CoachingEvent, CoachingAttendance)
        .join(CoachingAttendance, col(CoachingAttendance.event_id) == CoachingEvent.id)
        .where(CoachingAttendance.person_id == person.id)
        .order_by(col(CoachingEvent.date), col(CoachingEvent.id))
    )
    events = []
    total = Decimal("0.00")
    for event, attendance in (await session.exec(events_stmt)).all():
        hours = attendance.hours if attendance.hours is not None else event.hours
        total += hours
        events.append(
            {
                **event.model_dump(include={"id", "project_code", "kind", "title", "date", "provider_org"}),
                "hours": hours,
            }
        )
    answers_stmt = (
        select(Answer, col(AssessmentRound.name), col(Framework.code), col(FrameworkItem.code))
        .join(AssessmentRound, col(AssessmentRound.id) == Answer.round_id)
        .join(Framework, col(Framework.id) == AssessmentRound.framework_id)
        .join(FrameworkItem, col(FrameworkItem.id) == Answer.item_id)
        .where(Answer.person_id == person.id)
        .order_by(col(Answer.round_id), col(FrameworkItem.position))
    )
    answers = [
        {
            "round_id": a.round_id,
            "round": rname,
            "framework_code": fcode,
            "item_code": icode,
            "value": a.value,
        }
        for a, rname, fcode, icode in (await session.exec(answers_stmt)).all()
    ]
    return {
        "person": PersonPublic.model_validate(person),
        "champion_enrolments": await champion_domain.champion_views(session, list(enrolments)),
        "coaching": {"events": events, "total_hours": total},
        "answers": answers,
    }


@router.get("/me", response_model=Me, summary="The caller's own data (person, enrolments, coaching, answers)")
async def me(session: SessionDep, principal: NotHrSync) -> dict[str, Any]:
    person = await find_caller(session, principal)
    await log_reads(session, reader=principal, person_ids=[person.id], purpose="me")
    return await own_data(session, person)


@router.get(
    "/projects/{project_code}/situation",
    response_model=Situation,
    summary="The situational picture: aggregates only (steering-safe)",
)
async def project_situation(
    project_code: str,
    session: SessionDep,
    _: SituationReader,
    as_of: Annotated[
        dt.date | None,
        Query(
            description="Figures as of this day (YYYY-MM-DD): champions enrolled by then and not ended "
            "before it, coaching events up to it, assessment rounds closed by then"
        ),
    ] = None,
) -> dict[str, Any]:
    return await situation(session, project_code, as_of=as_of)
