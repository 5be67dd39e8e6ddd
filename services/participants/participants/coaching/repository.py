"""The scoped data layer of coaching events and attendance.

Events (what, when, how long, by whom) name nobody and are read by the aggregate roles; who
attended is personal and is written and read (per person) by admin and project_manager only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.paging import PageParams
from hanke_libs.problems import Forbidden, NotFound
from participants.access import AGGREGATE_READERS, is_manager
from participants.models import CoachingAttendance, CoachingEvent, Person


class Coaching:
    """Coaching as ``principal`` may see it."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    async def event(self, event_id: str) -> CoachingEvent:
        if not self.principal.has(*AGGREGATE_READERS):
            raise Forbidden(
                "Coaching events are read by the project office, pilot owners, steering and auditors."
            )
        event = await self.session.get(CoachingEvent, event_id)
        if event is None:
            raise NotFound(f"No coaching event {event_id}.")
        return event

    async def page(
        self, project_code: str | None, page: PageParams
    ) -> tuple[list[tuple[CoachingEvent, int]], int]:
        """Events with their number of attendees (no names)."""
        if not self.principal.has(*AGGREGATE_READERS):
            raise Forbidden(
                "Coaching events are read by the project office, pilot owners, steering and auditors."
            )
        clauses = [col(CoachingEvent.project_code) == project_code] if project_code else []
        total = (
            await self.session.exec(select(func.count()).select_from(CoachingEvent).where(*clauses))
        ).one()
        stmt = (
            select(CoachingEvent)
            .where(*clauses)
            .order_by(col(CoachingEvent.date), col(CoachingEvent.id))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
        events = list((await self.session.exec(stmt)).all())
        counts: dict[str, int] = {}
        if events:
            count_stmt = (
                select(CoachingAttendance.event_id, func.count())
                .where(col(CoachingAttendance.event_id).in_([e.id for e in events]))
                .group_by(col(CoachingAttendance.event_id))
            )
            counts = {eid: n for eid, n in (await self.session.exec(count_stmt)).all()}
        return [(e, counts.get(e.id, 0)) for e in events], total

    async def attendees(self, event: CoachingEvent) -> set[str]:
        stmt = select(CoachingAttendance.person_id).where(CoachingAttendance.event_id == event.id)
        return set((await self.session.exec(stmt)).all())

    async def people(self, person_ids: list[str]) -> dict[str, Person]:
        if not person_ids:
            return {}
        if not is_manager(self.principal):
            raise Forbidden("Attendance names people: admin or project_manager only.")
        stmt = select(Person).where(col(Person.id).in_(person_ids))
        return {p.id: p for p in (await self.session.exec(stmt)).all()}

    async def rows(
        self, project_code: str, *, as_of: dt.date | None = None
    ) -> list[tuple[str, str, Decimal]]:
        """(person id, event id, hours) of every attendance at the project's events (up to ``as_of``)."""
        stmt = (
            select(  # type: ignore[call-overload]
                CoachingAttendance.person_id, CoachingEvent.id, CoachingAttendance.hours, CoachingEvent.hours
            )
            .join(CoachingAttendance, col(CoachingAttendance.event_id) == CoachingEvent.id)
            .where(CoachingEvent.project_code == project_code)
        )
        if as_of is not None:
            stmt = stmt.where(col(CoachingEvent.date) <= as_of)
        return [
            (pid, eid, own if own is not None else hours)
            for pid, eid, own, hours in (await self.session.exec(stmt)).all()
        ]

    async def units_of(self, person_ids: set[str]) -> dict[str, str | None]:
        """person id -> org unit id of the people coached (for grouping; no personal data leaves)."""
        if not person_ids:
            return {}
        stmt = select(Person.id, Person.org_unit_id).where(col(Person.id).in_(person_ids))
        return {pid: uid for pid, uid in (await self.session.exec(stmt)).all()}
