"""The scoped data layer of champions and their pilot enrolments.

:class:`Champions` takes the caller (and the pilots service as that caller) and reaches only what
the caller may see:

- admin, project_manager: every champion, with names;
- pilot_owner: the champions of pilots it owns (asked of the pilots service), with names;
- champion: the co-champions of pilots it is itself enrolled in on the day, with names;
- steering: the number of a pilot's champions, never who they are;
- everyone (but hr_sync): its own enrolments (``/me/enrolments``).

A champion enrolment is active on a day when the champion was enrolled by then (its start date,
else the day it was recorded) and had not ended before it; a pilot enrolment also needs its own
dates to cover the day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal, Role
from hanke_libs.paging import PageParams
from hanke_libs.problems import Forbidden, NotFound
from participants.access import is_manager
from participants.models import Champion, ChampionPilot, Person
from participants.people.repository import People
from participants.pilots import PilotFacts


def enrolled_on(champion: Champion) -> dt.date:
    """The day a champion was enrolled: the start date, else the day the enrolment was recorded."""
    return champion.start_date or champion.created_at.astimezone(dt.UTC).date()


def champion_active(champion: Champion, day: dt.date) -> bool:
    return enrolled_on(champion) <= day and (champion.end_date is None or champion.end_date >= day)


def pilot_active(champion: Champion, enrolment: ChampionPilot, day: dt.date) -> bool:
    start = enrolment.start_date or enrolled_on(champion)
    return (
        champion_active(champion, day)
        and start <= day
        and (enrolment.end_date is None or enrolment.end_date >= day)
    )


@dataclass(frozen=True)
class PilotChampionRow:
    enrolment: ChampionPilot
    champion: Champion
    person: Person


class Champions:
    """Champions as ``principal`` may see them."""

    def __init__(self, session: AsyncSession, principal: Principal, pilots: PilotFacts | None = None) -> None:
        self.session = session
        self.principal = principal
        self.pilots = pilots

    async def get_for_update(self, champion_id: str) -> Champion:
        """A champion the caller may change (admin, project_manager)."""
        if not is_manager(self.principal):
            raise Forbidden("Only admin or project_manager may change champions.")
        champion = (
            await self.session.exec(select(Champion).where(Champion.id == champion_id).with_for_update())
        ).first()
        if champion is None:
            raise NotFound(f"No champion {champion_id}.")
        return champion

    async def exists(self, person_id: str, project_code: str) -> bool:
        stmt = select(Champion.id).where(
            Champion.person_id == person_id, Champion.project_code == project_code
        )
        return (await self.session.exec(stmt)).first() is not None

    async def enrolment_exists(self, champion_id: str, pilot_id: str) -> bool:
        stmt = select(ChampionPilot.id).where(
            ChampionPilot.champion_id == champion_id, ChampionPilot.pilot_id == pilot_id
        )
        return (await self.session.exec(stmt)).first() is not None

    async def page(
        self, project_code: str | None, as_of: dt.date | None, page: PageParams
    ) -> tuple[list[Champion], int | None]:
        """A page of champions (admin, project_manager), logged as read; with ``as_of`` the active ones."""
        if not is_manager(self.principal):
            raise Forbidden("Only admin or project_manager may list champions.")
        clauses = [col(Champion.project_code) == project_code] if project_code else []
        stmt = select(Champion).where(*clauses).order_by(col(Champion.created_at), col(Champion.id))
        if as_of is None:
            total = (
                await self.session.exec(select(func.count()).select_from(Champion).where(*clauses))
            ).one()
            rows = list((await self.session.exec(stmt.offset(page.offset).limit(page.limit + 1))).all())
        else:  # activity depends on the recorded day too: filtered here, the list is short
            active = [c for c in (await self.session.exec(stmt)).all() if champion_active(c, as_of)]
            total, rows = len(active), active[page.offset : page.offset + page.limit + 1]
        await People(self.session, self.principal).logged(
            [await self._person(c.person_id) for c in rows[: page.limit]], "champions.list"
        )
        return rows, total

    async def _person(self, person_id: str) -> Person:
        person = await self.session.get(Person, person_id)
        assert person is not None  # a foreign key
        return person

    async def views(self, champions: list[Champion]) -> list[dict[str, Any]]:
        """Champions with their person's name and unit and their pilot enrolments."""
        if not champions:
            return []
        ids = [c.id for c in champions]
        pilots: dict[str, list[ChampionPilot]] = defaultdict(list)
        stmt = (
            select(ChampionPilot)
            .where(col(ChampionPilot.champion_id).in_(ids))
            .order_by(col(ChampionPilot.id))
        )
        for enrolment in (await self.session.exec(stmt)).all():
            pilots[enrolment.champion_id].append(enrolment)
        people_stmt = select(Person).where(col(Person.id).in_([c.person_id for c in champions]))
        people = {p.id: p for p in (await self.session.exec(people_stmt)).all()}
        return [
            {
                **c.model_dump(include={"id", "person_id", "project_code", "role", "start_date", "end_date"}),
                "display_name": people[c.person_id].display_name,
                "org_unit_id": people[c.person_id].org_unit_id,
                "pilots": pilots[c.id],
            }
            for c in champions
        ]

    async def _pilot_rows(self, pilot_id: str) -> list[PilotChampionRow]:
        stmt = (
            select(ChampionPilot, Champion, Person)
            .join(Champion, col(Champion.id) == ChampionPilot.champion_id)
            .join(Person, col(Person.id) == Champion.person_id)
            .where(ChampionPilot.pilot_id == pilot_id)
            .order_by(col(Person.family_name), col(Person.given_name), col(Person.id))
        )
        return [PilotChampionRow(e, c, p) for e, c, p in (await self.session.exec(stmt)).all()]

    async def of_pilot(self, pilot_id: str, as_of: dt.date | None) -> tuple[list[PilotChampionRow], bool]:
        """A pilot's champions (active on ``as_of`` when given) and whether the caller may see who they are.

        403 for a caller who may see neither the names nor the count.
        """
        rows = await self._pilot_rows(pilot_id)
        if as_of is not None:
            rows = [r for r in rows if pilot_active(r.champion, r.enrolment, as_of)]
        if await self._may_see_team(pilot_id):
            await People(self.session, self.principal).logged([r.person for r in rows], "pilot.champions")
            return rows, True
        if self.principal.has(Role.steering):
            return rows, False
        raise Forbidden(
            f"The champions of pilot {pilot_id} are shown to its owner, its own champions and the project office."
        )

    async def _may_see_team(self, pilot_id: str) -> bool:
        if is_manager(self.principal):
            return True
        if self.principal.has(Role.champion):
            mine = await self.active_pilot_enrolments(dt.date.today())
            if any(e.pilot_id == pilot_id for e, _ in mine):
                return True
        if self.principal.has(Role.pilot_owner) and self.pilots is not None:
            return await self.pilots.owns(pilot_id)
        return False

    async def active_pilot_enrolments(self, day: dt.date) -> list[tuple[ChampionPilot, Champion]]:
        """The caller's own pilot enrolments active on ``day``."""
        person_id = await People(self.session, self.principal).caller_id()
        if person_id is None:
            return []
        return [(e, c) for e, c in await self._own(person_id) if pilot_active(c, e, day)]

    async def _own(self, person_id: str) -> list[tuple[ChampionPilot, Champion]]:
        stmt = (
            select(ChampionPilot, Champion)
            .join(Champion, col(Champion.id) == ChampionPilot.champion_id)
            .where(Champion.person_id == person_id)
            .order_by(col(ChampionPilot.pilot_id))
        )
        return [(e, c) for e, c in (await self.session.exec(stmt)).all()]

    async def own_enrolments(
        self, day: dt.date
    ) -> tuple[str, list[tuple[ChampionPilot, Champion]], list[str]]:
        """The caller's person id, pilot enrolments and champion projects active on ``day``."""
        person = await People(self.session, self.principal).caller()
        pilots = [(e, c) for e, c in await self._own(person.id) if pilot_active(c, e, day)]
        champions = (await self.session.exec(select(Champion).where(Champion.person_id == person.id))).all()
        projects = sorted({c.project_code for c in champions if champion_active(c, day)})
        return person.id, pilots, projects

    async def of_person(self, person_id: str) -> list[Champion]:
        stmt = select(Champion).where(Champion.person_id == person_id).order_by(col(Champion.project_code))
        return list((await self.session.exec(stmt)).all())

    async def of_project(self, project_code: str) -> list[tuple[Champion, str | None]]:
        """Every champion of a project with its person's org unit (for aggregates)."""
        stmt = (
            select(Champion, Person.org_unit_id)
            .join(Person, col(Person.id) == Champion.person_id)
            .where(Champion.project_code == project_code)
        )
        return [(c, u) for c, u in (await self.session.exec(stmt)).all()]
