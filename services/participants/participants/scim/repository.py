"""The scoped data layer of SCIM: users and groups as the provisioning client (``hr_sync``) reaches them.

Only ``hr_sync`` reaches it (the routes' dependency, and checked here again); pseudonymised people
no longer exist for provisioning; every read of a user or a group's members is in the read log and
every write in the audit trail (naming changed fields, never personal values).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal, Role
from participants.db import audit
from participants.minimise import person_changes
from participants.models import OrgUnit, Person
from participants.privacy.readlog import log_reads
from participants.scim.filters import Comparison
from participants.scim.protocol import ScimError, invalid_filter, invalid_value, not_found, uniqueness
from participants.scim.users import person_state, store_state, validate_state


def _require_hr_sync(principal: Principal) -> None:
    if not principal.has(Role.hr_sync):
        raise ScimError(403, "SCIM is for the provisioning client (role hr_sync).")


def _user_clause(comparison: Comparison) -> Any:
    attribute, value = comparison.attribute, comparison.value
    if attribute == "active":
        if not isinstance(value, bool):
            raise invalid_filter("active is compared with true or false.")
        return Person.active == value
    if not isinstance(value, str):
        raise invalid_filter(f"{attribute} is compared with a quoted string.")
    match attribute:
        case "username":
            return Person.user_name_key == value.lower()
        case "externalid":
            return Person.external_id == value
        case "id":
            return Person.id == value
        case "emails" | "emails.value":
            return Person.email == value.lower()
        case "employeenumber":
            return Person.employee_number == value
        case "displayname":
            return func.lower(Person.display_name) == value.lower()
    raise invalid_filter(f"Filtering on {attribute!r} is not supported.")


def group_clause(comparison: Comparison) -> Any:
    attribute, value = comparison.attribute, comparison.value
    if not isinstance(value, str):
        raise invalid_filter(f"{attribute} is compared with a quoted string.")
    match attribute:
        case "displayname":
            return func.lower(OrgUnit.name) == value.lower()
        case "externalid":
            return OrgUnit.external_id == value
        case "id":
            return OrgUnit.id == value
    raise invalid_filter(f"Filtering groups on {attribute!r} is not supported.")


class Users:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        _require_hr_sync(principal)
        self.session = session
        self.principal = principal

    async def search(self, comparisons: list[Comparison], start: int, count: int) -> tuple[int, list[Person]]:
        clauses = [_user_clause(c) for c in comparisons]
        clauses.append(col(Person.pseudonymised).is_(False))
        total = (await self.session.exec(select(func.count()).select_from(Person).where(*clauses))).one()
        people: list[Person] = []
        if count and total >= start:
            stmt = select(Person).where(*clauses).order_by(col(Person.created_at), col(Person.id))
            people = list((await self.session.exec(stmt.offset(start - 1).limit(count))).all())
        await log_reads(
            self.session, reader=self.principal, person_ids=[p.id for p in people], purpose="scim"
        )
        return total, people

    async def read(self, user_id: str) -> Person:
        person = await self._get(user_id)
        await log_reads(self.session, reader=self.principal, person_ids=[person.id], purpose="scim")
        return person

    async def for_update(self, user_id: str) -> Person:
        return await self._get(user_id, lock=True)

    async def _get(self, user_id: str, *, lock: bool = False) -> Person:
        stmt = select(Person).where(Person.id == user_id)
        person = (await self.session.exec(stmt.with_for_update() if lock else stmt)).first()
        if person is None or person.pseudonymised:  # an erased person no longer exists for provisioning
            raise not_found("User", user_id)
        return person

    async def create(self, state: dict[str, Any]) -> Person:
        person = Person(user_name=state["user_name"] or "", user_name_key="", source="scim")
        await self._save(person, state, new=True)
        return person

    async def save(self, person: Person, state: dict[str, Any]) -> None:
        await self._save(person, state, new=False)

    async def _check(self, state: dict[str, Any], own_id: str | None) -> None:
        """409 uniqueness when another person has the userName (any case), externalId or employeeNumber;
        400 when the manager is not a user here."""
        clauses = [Person.user_name_key == state["user_name"].lower()]
        if state["external_id"]:
            clauses.append(Person.external_id == state["external_id"])
        if state["employee_number"]:
            clauses.append(Person.employee_number == state["employee_number"])
        stmt = select(Person).where(or_(*clauses))
        if own_id:
            stmt = stmt.where(Person.id != own_id)
        other = (await self.session.exec(stmt)).first()
        if other is not None:
            if other.user_name_key == state["user_name"].lower():
                raise uniqueness(f"userName {state['user_name']!r} is already in use.")
            if state["external_id"] and other.external_id == state["external_id"]:
                raise uniqueness(f"externalId {state['external_id']!r} is already in use.")
            raise uniqueness(f"employeeNumber {state['employee_number']!r} is already in use.")
        manager = state["manager_id"]
        if manager is not None:
            found = await self.session.get(Person, manager)
            if found is None or found.pseudonymised:
                raise invalid_value(f"manager {manager!r} is not a user here.")
            if manager == own_id:
                raise invalid_value("A user cannot be its own manager.")

    async def _save(self, person: Person, state: dict[str, Any], *, new: bool) -> None:
        validate_state(state)
        await self._check(state, None if new else person.id)
        before = {} if new else person_state(person)
        store_state(person, state)
        changes = diff(before, person_state(person))
        if not new and not changes:
            return
        if not new:
            person.hr_row_hash = None  # SCIM changed the person: the next HR import compares it in full
            person.version += 1
            person.updated_at = dt.datetime.now(dt.UTC)
        self.session.add(person)
        await self.session.flush()
        deactivated = changes.get("active") == [True, False]
        action = "scim.create" if new else ("scim.deactivate" if deactivated else "scim.update")
        await audit.record(
            self.session,
            actor=self.principal,
            action=action,
            entity_type="person",
            entity_id=person.id,
            changes=person_changes(changes),  # the fields that changed, never their personal values
        )


class Groups:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        _require_hr_sync(principal)
        self.session = session
        self.principal = principal

    @staticmethod
    def _current() -> Any:
        """Units served by SCIM: not ended (a DELETE ends a unit today; its history stays for aggregates)."""
        return or_(col(OrgUnit.valid_to).is_(None), col(OrgUnit.valid_to) > dt.date.today())

    async def search(self, clauses: list[Any], start: int, count: int) -> tuple[int, list[OrgUnit]]:
        clauses = [*clauses, self._current()]
        total = (await self.session.exec(select(func.count()).select_from(OrgUnit).where(*clauses))).one()
        units: list[OrgUnit] = []
        if count and total >= start:
            stmt = select(OrgUnit).where(*clauses).order_by(col(OrgUnit.code), col(OrgUnit.id))
            units = list((await self.session.exec(stmt.offset(start - 1).limit(count))).all())
        return total, units

    async def get(self, group_id: str, *, lock: bool = False) -> OrgUnit:
        stmt = select(OrgUnit).where(OrgUnit.id == group_id, self._current())
        unit = (await self.session.exec(stmt.with_for_update() if lock else stmt)).first()
        if unit is None:
            raise not_found("Group", group_id)
        return unit

    async def members(self, unit: OrgUnit) -> list[tuple[str, str | None]]:
        """(person id, display name) of the unit's members, logged as read."""
        rows = await self.session.exec(
            select(Person.id, Person.display_name)
            .where(Person.org_unit_id == unit.id, col(Person.pseudonymised).is_(False))
            .order_by(col(Person.id))
        )
        members = [(pid, name) for pid, name in rows.all()]
        await log_reads(
            self.session, reader=self.principal, person_ids=[m[0] for m in members], purpose="scim.group"
        )
        return members

    async def member_ids(self, unit: OrgUnit) -> list[str]:
        return list((await self.session.exec(select(Person.id).where(Person.org_unit_id == unit.id))).all())

    async def set_members(self, unit: OrgUnit, add: list[str], remove: list[str]) -> dict[str, Any]:
        if add:
            found = set(
                (
                    await self.session.exec(
                        select(Person.id).where(col(Person.id).in_(add), col(Person.pseudonymised).is_(False))
                    )
                ).all()
            )
            missing = [m for m in add if m not in found]
            if missing:
                raise invalid_value(f"Unknown member ids: {', '.join(missing[:5])}.")
            conn = await self.session.connection()
            await conn.execute(
                update(Person).where(col(Person.id).in_(add)).values(org_unit_id=unit.id, hr_row_hash=None)
            )
        if remove:
            conn = await self.session.connection()
            await conn.execute(
                update(Person)
                .where(col(Person.id).in_(remove), col(Person.org_unit_id) == unit.id)
                .values(org_unit_id=None, hr_row_hash=None)
            )
        return {k: v for k, v in (("members_added", add), ("members_removed", remove)) if v}

    async def check_unique(self, unit: OrgUnit) -> None:
        stmt = select(OrgUnit.id).where(OrgUnit.id != unit.id)
        if (
            unit.external_id
            and (await self.session.exec(stmt.where(OrgUnit.external_id == unit.external_id))).first()
        ):
            raise uniqueness(f"externalId {unit.external_id!r} is already in use.")
        if (await self.session.exec(stmt.where(OrgUnit.code == unit.code))).first():
            raise uniqueness(f"A group with the code {unit.code!r} already exists.")

    async def add(self, unit: OrgUnit) -> None:
        await self.check_unique(unit)
        self.session.add(unit)
        await self.session.flush()

    async def record(self, unit: OrgUnit, action: str, changes: dict[str, Any], *, bump: bool = True) -> None:
        if bump:
            unit.version += 1
            unit.updated_at = dt.datetime.now(dt.UTC)
            self.session.add(unit)
            await self.session.flush()
        await audit.record(
            self.session,
            actor=self.principal,
            action=action,
            entity_type="org_unit",
            entity_id=unit.id,
            changes=changes,
        )
