"""Data protection: the right-of-access export and pseudonymisation (erasure, end of retention).

Pseudonymisation blanks everything that identifies the person (names, e-mail, user name, ids from HR
and the identity system, title, cost centre, manager, employment dates) and keeps the rows that
aggregates and ESR reports count: the person id, org unit, answers, attendance, champion enrolments
and ESR participations. Aggregates and ESR counts therefore stay the same.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from participants.champions.repository import Champions
from participants.db import audit
from participants.esr import service as esr
from participants.esr.schemas import SensitiveFlags, Snapshot
from participants.models import (
    Answer,
    AssessmentRound,
    CoachingAttendance,
    CoachingEvent,
    EsrParticipation,
    EsrSensitiveFlags,
    Framework,
    FrameworkItem,
    Person,
    PersonReadLog,
)
from participants.people.schemas import PersonPublic

BLANKED = (
    "external_id",
    "employee_number",
    "given_name",
    "family_name",
    "email",
    "title",
    "cost_centre",
    "personnel_category",
    "organization",
    "division",
    "department",
    "manager_id",
    "manager_employee_number",
    "employment_start",
    "employment_end",
    "scim_extra",
    "hr_row_hash",
)


async def own_data(session: AsyncSession, principal: Principal, person: Person) -> dict[str, Any]:
    """What ``/me`` shows: the person, its champion enrolments, coaching received and its own answers."""
    champions = Champions(session, principal)
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
        "champion_enrolments": await champions.views(await champions.of_person(person.id)),
        "coaching": {"events": events, "total_hours": total},
        "answers": answers,
    }


async def access_export(session: AsyncSession, principal: Principal, person: Person) -> dict[str, Any]:
    """Everything the service holds about ``person`` (GDPR art. 15), including who has read it."""
    data = await own_data(session, principal, person)
    participations = list(
        (await session.exec(select(EsrParticipation).where(EsrParticipation.person_id == person.id))).all()
    )
    snaps = await esr.snapshots(session, [p.id for p in participations])
    esr_rows = []
    for p in participations:
        row = esr.public(p, snaps)
        row["entry"] = Snapshot.model_validate(row["entry"]).model_dump(mode="json") if row["entry"] else None
        row["exit"] = Snapshot.model_validate(row["exit"]).model_dump(mode="json") if row["exit"] else None
        flags = await session.get(EsrSensitiveFlags, p.id)
        row["sensitive_flags"] = SensitiveFlags.model_validate(flags).model_dump() if flags else None
        esr_rows.append(row)
    reads = (
        await session.exec(
            select(PersonReadLog).where(PersonReadLog.person_id == person.id).order_by(col(PersonReadLog.id))
        )
    ).all()
    return {
        **data,
        "esr_participations": esr_rows,
        "read_log": [
            r.model_dump(include={"occurred_at", "reader", "reader_roles", "purpose"}) for r in reads
        ],
        "exported_at": dt.datetime.now(dt.UTC),
    }


async def pseudonymise(*, session: AsyncSession, actor: Principal | str, person: Person, reason: str) -> bool:
    """Pseudonymise ``person`` in the caller's transaction; False if it already was."""
    if person.pseudonymised:
        return False
    for name in BLANKED:
        setattr(person, name, None)
    person.user_name = person.user_name_key = f"pseudonymised-{person.id}"
    person.display_name = "Pseudonymised"
    person.active = False
    person.pseudonymised = True
    person.version += 1
    person.updated_at = dt.datetime.now(dt.UTC)
    session.add(person)
    await session.flush()
    # the audit says what was done, never the personal data removed
    await audit.record(
        session,
        actor=actor,
        action="pseudonymise",
        entity_type="person",
        entity_id=person.id,
        changes={"reason": reason, "blanked": list(BLANKED)},
    )
    return True


async def pseudonymise_ended(
    *, session: AsyncSession, actor: Principal | str, ended_before: dt.date
) -> list[str]:
    """End of retention: pseudonymise inactive people whose employment ended before ``ended_before``."""
    stmt = select(Person).where(
        col(Person.pseudonymised).is_(False),
        col(Person.active).is_(False),
        col(Person.employment_end).is_not(None),
        col(Person.employment_end) < ended_before,
    )
    done = []
    for person in (await session.exec(stmt)).all():
        if await pseudonymise(session=session, actor=actor, person=person, reason="end of retention"):
            done.append(person.id)
    return done
