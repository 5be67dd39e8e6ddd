"""Champions (kellokkaat) and renewal support (coaching events, attendance, totals)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.problems import Conflict, InvalidParam, UnprocessableContent
from participants.db import audit
from participants.models import (
    Champion,
    ChampionPilot,
    CoachingAttendance,
    CoachingEvent,
    OrgUnit,
    Person,
    Sector,
)
from participants.schemas import ChampionCreate, CoachingEventCreate, PilotEnrolment


async def active_person(session: AsyncSession, person_id: str, field: str = "person_id") -> Person:
    """The person, or 422 when unknown or inactive (no one is enrolled or recorded silently)."""
    person = await session.get(Person, person_id)
    if person is None:
        raise UnprocessableContent(
            f"No person {person_id}.",
            slug="unknown-person",
            errors=[InvalidParam(name=f"body.{field}", reason="unknown person")],
        )
    if not person.active:
        raise UnprocessableContent(
            f"Person {person_id} is inactive.",
            slug="inactive-person",
            errors=[InvalidParam(name=f"body.{field}", reason="inactive person")],
        )
    return person


async def enrol(*, session: AsyncSession, actor: Principal, data: ChampionCreate) -> Champion:
    """Enrol a person as a champion in a project, and in the given pilots."""
    await active_person(session, data.person_id)
    duplicate = await session.exec(
        select(Champion).where(
            Champion.person_id == data.person_id, Champion.project_code == data.project_code
        )
    )
    if duplicate.first():
        raise Conflict("The person is already a champion in this project.", slug="champion-exists")
    champion = Champion(**data.model_dump(exclude={"pilots"}))
    session.add(champion)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="champion",
        entity_id=champion.id,
        changes=data.model_dump(mode="json"),
    )
    for pilot in data.pilots:
        await add_pilot(session=session, actor=actor, champion=champion, data=pilot)
    return champion


async def add_pilot(
    *, session: AsyncSession, actor: Principal, champion: Champion, data: PilotEnrolment
) -> ChampionPilot:
    existing = await session.exec(
        select(ChampionPilot).where(
            ChampionPilot.champion_id == champion.id, ChampionPilot.pilot_id == data.pilot_id
        )
    )
    if existing.first():
        raise Conflict(
            f"The champion is already enrolled in pilot {data.pilot_id}.", slug="pilot-enrolment-exists"
        )
    enrolment = ChampionPilot(champion_id=champion.id, **data.model_dump())
    session.add(enrolment)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="champion_pilot",
        entity_id=enrolment.id,
        changes={"champion_id": champion.id, **data.model_dump(mode="json")},
    )
    return enrolment


async def champion_views(session: AsyncSession, champions: list[Champion]) -> list[dict[str, Any]]:
    """Champions with their person's name and unit and their pilot enrolments."""
    if not champions:
        return []
    ids = [c.id for c in champions]
    pilots: dict[str, list[ChampionPilot]] = defaultdict(list)
    for enrolment in (
        await session.exec(
            select(ChampionPilot)
            .where(col(ChampionPilot.champion_id).in_(ids))
            .order_by(col(ChampionPilot.id))
        )
    ).all():
        pilots[enrolment.champion_id].append(enrolment)
    people = {
        p.id: p
        for p in (
            await session.exec(select(Person).where(col(Person.id).in_([c.person_id for c in champions])))
        ).all()
    }
    return [
        {
            **c.model_dump(include={"id", "person_id", "project_code", "role", "start_date", "end_date"}),
            "display_name": people[c.person_id].display_name,
            "org_unit_id": people[c.person_id].org_unit_id,
            "pilots": pilots[c.id],
        }
        for c in champions
    ]


async def create_event(
    *, session: AsyncSession, actor: Principal, data: CoachingEventCreate
) -> CoachingEvent:
    event = CoachingEvent(**data.model_dump())
    session.add(event)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="coaching_event",
        entity_id=event.id,
        changes=data.model_dump(mode="json"),
    )
    return event


async def record_attendance(
    *,
    session: AsyncSession,
    actor: Principal,
    event: CoachingEvent,
    person_ids: list[str],
    hours: Decimal | None,
) -> int:
    """Mark people as attending; people already marked are left as they are. Returns how many were added."""
    errors: list[InvalidParam] = []
    people = {
        p.id: p for p in (await session.exec(select(Person).where(col(Person.id).in_(person_ids)))).all()
    }
    for index, pid in enumerate(person_ids):
        if pid not in people:
            errors.append(InvalidParam(name=f"body.person_ids.{index}", reason="unknown person"))
        elif not people[pid].active:
            errors.append(InvalidParam(name=f"body.person_ids.{index}", reason="inactive person"))
    if errors:
        raise UnprocessableContent(
            "Some attendees are unknown or inactive.", slug="unknown-person", errors=errors
        )
    present = set(
        (
            await session.exec(
                select(CoachingAttendance.person_id).where(CoachingAttendance.event_id == event.id)
            )
        ).all()
    )
    added = [pid for pid in dict.fromkeys(person_ids) if pid not in present]
    for pid in added:
        session.add(CoachingAttendance(event_id=event.id, person_id=pid, hours=hours))
    if added:
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="attendance",
            entity_type="coaching_event",
            entity_id=event.id,
            changes={"added": added, "hours": str(hours) if hours is not None else None},
        )
    return len(added)


async def coaching_rows(
    session: AsyncSession, project_code: str, *, as_of: dt.date | None = None
) -> list[tuple[CoachingEvent, CoachingAttendance]]:
    """Events of the project with their attendance; with ``as_of`` only events on or before that day."""
    stmt = (
        select(CoachingEvent, CoachingAttendance)
        .join(CoachingAttendance, col(CoachingAttendance.event_id) == CoachingEvent.id)
        .where(CoachingEvent.project_code == project_code)
    )
    if as_of is not None:
        stmt = stmt.where(col(CoachingEvent.date) <= as_of)
    return [(e, a) for e, a in (await session.exec(stmt)).all()]


async def unit_sectors(session: AsyncSession) -> tuple[dict[str, OrgUnit], dict[int, Sector]]:
    units = {u.id: u for u in (await session.exec(select(OrgUnit))).all()}
    sectors = {s.id: s for s in (await session.exec(select(Sector))).all() if s.id is not None}
    return units, sectors


def sector_label(unit_id: str | None, units: dict[str, OrgUnit], sectors: dict[int, Sector]) -> str:
    """The sector of an org unit (its own, else its nearest ancestor's); "unknown" if none."""
    seen: set[str] = set()
    while unit_id and unit_id in units and unit_id not in seen:
        seen.add(unit_id)
        unit = units[unit_id]
        if unit.sector_id is not None and unit.sector_id in sectors:
            return sectors[unit.sector_id].code
        unit_id = unit.parent_id
    return "unknown"


async def coaching_totals(session: AsyncSession, project_code: str, by: str) -> list[dict[str, Any]]:
    """Events, attendances and hours per champion (person), org unit or sector."""
    rows = await coaching_rows(session, project_code)
    person_ids = {a.person_id for _, a in rows}
    people = (
        {p.id: p for p in (await session.exec(select(Person).where(col(Person.id).in_(person_ids)))).all()}
        if person_ids
        else {}
    )
    units, sectors = await unit_sectors(session)
    totals: dict[str, dict[str, Any]] = {}
    for event, attendance in rows:
        person = people[attendance.person_id]
        if by == "champion":
            key, label = person.id, person.display_name
        elif by == "org_unit":
            unit = units.get(person.org_unit_id or "")
            key, label = (unit.code, unit.name) if unit else ("unknown", None)
        else:
            key = sector_label(person.org_unit_id, units, sectors)
            label = next((s.name for s in sectors.values() if s.code == key), None)
        bucket = totals.setdefault(
            key, {"key": key, "label": label, "events": set(), "attendances": 0, "hours": Decimal("0.00")}
        )
        bucket["events"].add(event.id)
        bucket["attendances"] += 1
        bucket["hours"] += attendance.hours if attendance.hours is not None else event.hours
    return [{**t, "events": len(t["events"])} for _, t in sorted(totals.items())]
