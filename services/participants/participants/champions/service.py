"""Enrolling champions (kellokkaat) in a project and in its pilots.

Every cross-service reference is checked when written: the project code against the pilots
service's projects, each pilot id against the pilots service (it must exist and belong to the
project), both asked as the caller.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.problems import Conflict
from participants.champions.repository import Champions
from participants.champions.schemas import ChampionCreate, PilotEnrolment
from participants.db import audit
from participants.models import Champion, ChampionPilot
from participants.people.repository import active_person
from participants.pilots import PilotFacts


async def enrol(
    *, session: AsyncSession, actor: Principal, pilots: PilotFacts, data: ChampionCreate
) -> Champion:
    """Enrol a person as a champion in a project, and in the given pilots."""
    await active_person(session, data.person_id)
    await pilots.check_project(data.project_code, "body.project_code")
    for index, pilot in enumerate(data.pilots):
        await pilots.check_pilot(pilot.pilot_id, data.project_code, f"body.pilots.{index}.pilot_id")
    if await Champions(session, actor).exists(data.person_id, data.project_code):
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
        await add_pilot(session=session, actor=actor, champion=champion, data=pilot, pilots=None)
    return champion


async def add_pilot(
    *,
    session: AsyncSession,
    actor: Principal,
    champion: Champion,
    data: PilotEnrolment,
    pilots: PilotFacts | None,
) -> ChampionPilot:
    """Enrol ``champion`` in a pilot; ``pilots`` checks the pilot id (None: already checked)."""
    if pilots is not None:
        await pilots.check_pilot(data.pilot_id, champion.project_code, "body.pilot_id")
    if await Champions(session, actor).enrolment_exists(champion.id, data.pilot_id):
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
