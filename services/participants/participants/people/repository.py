"""The scoped data layer of people, org units and sectors.

:class:`People` takes the caller and reaches only what the caller may read: admin and
project_manager read everyone; every other role reads only its own person; a reference (id and
active flag) is for the staff roles that write person ids elsewhere. Every read of a person's data
is written to the read log here, so no route can read a person without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, String, bindparam, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.paging import PageParams
from hanke_libs.problems import Forbidden, InvalidParam, NotFound, ProblemError, UnprocessableContent
from participants.access import STAFF, is_caller, is_manager
from participants.models import OrgUnit, Person, Sector
from participants.people.schemas import PeopleQuery
from participants.privacy.readlog import log_reads

# The people list's order (``People.page`` and its hot read, ``people.hot``).
PEOPLE_ORDER = (col(Person.family_name), col(Person.given_name), col(Person.id))


def require_lister(principal: Principal) -> None:
    """Only admin and project_manager list people."""
    if not is_manager(principal):
        raise Forbidden("Only admin or project_manager may list people.")


def people_filter(query: PeopleQuery) -> tuple[list[Any], dict[str, Any]]:
    """The people list's filter as clauses on named bind parameters, and the parameters' values.

    ``q`` matches an employee number exactly or a user name, display name or family name in part;
    the clauses depend only on which filters are given, so a hot read compiles one statement per
    combination (``people.hot``)."""
    clauses: list[Any] = []
    params: dict[str, Any] = {}
    if query.q:
        like = bindparam("q_like", type_=String())
        clauses.append(
            or_(
                col(Person.employee_number) == bindparam("q", type_=String()),
                col(Person.user_name_key).like(like),
                func.lower(Person.display_name).like(like),
                func.lower(Person.family_name).like(like),
            )
        )
        params.update(q=query.q, q_like=f"%{query.q.lower()}%")
    if query.active is not None:
        clauses.append(col(Person.active) == bindparam("active", type_=Boolean()))
        params["active"] = query.active
    if query.org_unit_id:
        clauses.append(col(Person.org_unit_id) == bindparam("org_unit_id", type_=String()))
        params["org_unit_id"] = query.org_unit_id
    return clauses, params


def read_refused(principal: Principal, person_id: str) -> ProblemError:
    """The refusal of a person read that found no person the caller may read: admin and
    project_manager read everyone, so theirs is a 404 (no such person); anyone else reads only
    themself, so theirs is a 403, a missing person not told apart from someone else."""
    if is_manager(principal):
        return NotFound(f"No person {person_id}.")
    return Forbidden("Only admin, project_manager or the person themself may read a person.")


class People:
    """People, org units and sectors as ``principal`` may see them."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    async def page(self, query: PeopleQuery, page: PageParams) -> tuple[list[Person], int]:
        """A page of people (admin, project_manager only), logged as read."""
        require_lister(self.principal)
        clauses, params = people_filter(query)
        count = select(func.count()).select_from(Person).where(*clauses)
        total = (await self.session.exec(count, params=params)).one()
        stmt = (
            select(Person).where(*clauses).order_by(*PEOPLE_ORDER).offset(page.offset).limit(page.limit + 1)
        )
        rows = list((await self.session.exec(stmt, params=params)).all())
        await self.logged(rows[: page.limit], "people.list")
        return rows, total

    async def read(self, person_id: str, purpose: str = "people.read") -> Person:
        """One person: admin, project_manager, or the person themself; logged as read."""
        person = await self.session.get(Person, person_id)
        if person is None or not (is_manager(self.principal) or is_caller(person, self.principal)):
            raise read_refused(self.principal, person_id)
        await self.logged([person], purpose)
        return person

    async def for_update(self, person_id: str) -> Person:
        """A person the caller may change (admin, project_manager), locked for the transaction."""
        if not is_manager(self.principal):
            raise Forbidden("Only admin or project_manager may change a person.")
        person = (
            await self.session.exec(select(Person).where(Person.id == person_id).with_for_update())
        ).first()
        if person is None:
            raise NotFound(f"No person {person_id}.")
        return person

    async def reference(self, person_id: str) -> Person:
        """Whether a person exists (staff roles): id and active flag only, nothing personal."""
        if not self.principal.has(*STAFF):
            raise Forbidden("Person references are for admin, project_manager, pilot_owner and finance.")
        person = await self.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"No person {person_id}.", slug="no-person")
        return person

    async def caller(self) -> Person:
        """The caller's own person: id == person_id claim, or external id / user name == subject."""
        stmt = select(Person).where(
            or_(
                col(Person.id) == self.principal.person_id,
                col(Person.external_id) == self.principal.subject,
                col(Person.user_name_key) == self.principal.subject.lower(),
            ),
            col(Person.pseudonymised).is_(False),
        )
        people = list((await self.session.exec(stmt)).all())
        people.sort(key=lambda p: (p.id != self.principal.person_id, p.external_id != self.principal.subject))
        if not people or not (
            is_caller(people[0], self.principal) or people[0].user_name_key == self.principal.subject.lower()
        ):
            raise NotFound("No person record matches the caller.", slug="no-person")
        return people[0]

    async def caller_id(self) -> str | None:
        """The caller's person id, or None when no person matches (never raises)."""
        try:
            return (await self.caller()).id
        except NotFound:
            return None

    async def logged(self, people: Sequence[Person], purpose: str) -> None:
        await self.logged_ids([p.id for p in people], purpose)

    async def logged_ids(self, person_ids: Sequence[str], purpose: str) -> None:
        """Record that the caller read these people's data (the read log)."""
        await log_reads(self.session, reader=self.principal, person_ids=person_ids, purpose=purpose)

    async def org_units(self, page: PageParams) -> tuple[list[OrgUnit], int]:
        total = (await self.session.exec(select(func.count()).select_from(OrgUnit))).one()
        stmt = select(OrgUnit).order_by(col(OrgUnit.code)).offset(page.offset).limit(page.limit + 1)
        return list((await self.session.exec(stmt)).all()), total

    async def sectors(self, page: PageParams) -> tuple[list[Sector], int]:
        total = (await self.session.exec(select(func.count()).select_from(Sector))).one()
        stmt = select(Sector).order_by(col(Sector.code)).offset(page.offset).limit(page.limit + 1)
        return list((await self.session.exec(stmt)).all()), total


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


async def units_and_sectors(session: AsyncSession) -> tuple[dict[str, OrgUnit], dict[int, Sector]]:
    """Every org unit by id and every sector by id (aggregates group by them)."""
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
