"""Every query that reaches a pilot, scoped to the caller (polar's ``get_readable_statement``).

A :class:`ScopedPilot` is a pilot the caller may read, handed out only by this module; every other
concept's queries (indicators, timeline, decisions, ...) take one, so no route can reach a pilot's
rows without passing the rule here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, func, select

from hanke_libs.problems import Forbidden, NotFound
from pilots.models import Pilot, PilotSector, Project, Sector
from pilots.scope import Scope
from pilots.types import Stage


@dataclass(frozen=True)
class ScopedPilot:
    """A pilot together with the scope that was allowed to read it."""

    row: Pilot
    scope: Scope

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def may_edit(self) -> bool:
        return self.scope.may_edit(self.row)

    @property
    def in_team(self) -> bool:
        return self.scope.in_team(self.row)

    @property
    def sees_small_samples(self) -> bool:
        return self.scope.sees_small_samples(self.row)

    @property
    def sees_private(self) -> bool:
        return self.scope.sees_private(self.row)


def _order() -> tuple[Any, Any]:
    return col(Pilot.created_at), col(Pilot.id)


async def get_project(scope: Scope, code: str) -> Project:
    """A project reference (every caller who reads pilots or their titles may see it)."""
    project = await scope.session.get(Project, code)
    if project is None:
        raise project_not_found(code)
    return project


def project_not_found(code: str) -> NotFound:
    return NotFound(f"No project with code {code!r}.", slug="project-not-found")


async def _load(scope: Scope, pilot_id: str, *, for_update: bool) -> Pilot:
    stmt = select(Pilot).where(Pilot.id == pilot_id)
    if for_update:
        # Serialises writes of one pilot: a row lock on PostgreSQL (SQLite holds its write lock).
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    pilot = (await scope.session.exec(stmt)).first()
    if pilot is None:
        raise pilot_not_found(pilot_id)
    return pilot


def pilot_not_found(pilot_id: str) -> NotFound:
    return NotFound(f"No pilot with id {pilot_id!r}.", slug="pilot-not-found")


def not_readable(pilot_id: str) -> Forbidden:
    return Forbidden(
        f"You are not a champion of pilot {pilot_id}: a champion reads and posts only on the pilots "
        "it is enrolled in (participants: GET /me/enrolments).",
        slug="not-pilot-member",
    )


async def get(scope: Scope, pilot_id: str, *, for_update: bool = False) -> ScopedPilot:
    """The pilot if the caller may read it: 404 if none, 403 if it is not the caller's to read."""
    scope.require_read_role()
    pilot = await _load(scope, pilot_id, for_update=for_update)
    if not scope.may_read(pilot):
        raise not_readable(pilot_id)
    return ScopedPilot(pilot, scope)


async def get_editable(scope: Scope, pilot_id: str) -> ScopedPilot:
    """The pilot, row-locked for the caller's write: 403 unless its owner, the project manager or admin."""
    found = await get(scope, pilot_id, for_update=True)
    if not found.may_edit:
        raise Forbidden(
            "Only the pilot's owner, the project manager or an admin may change this pilot.",
            slug="not-pilot-owner",
        )
    return found


async def get_for_team(scope: Scope, pilot_id: str, *, what: str) -> ScopedPilot:
    """The pilot for a write by its team (owner, its champions, project manager, admin)."""
    found = await get(scope, pilot_id)
    if not found.in_team:
        raise Forbidden(
            f"Only the pilot's team (its owner, its champions, the project manager, an admin) may {what}.",
            slug="not-pilot-member",
        )
    return found


async def find_any(scope: Scope, pilot_id: str) -> Pilot | None:
    """The pilot whatever the caller may read: only for stating the caller's relation to it."""
    return await scope.session.get(Pilot, pilot_id)


async def list_in_project(
    scope: Scope,
    code: str,
    *,
    stage: Stage | None = None,
    owner_id: str | None = None,
    ids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[ScopedPilot], int]:
    """The project's pilots the caller may read, oldest first, and how many there are."""
    scope.require_read_role()
    where: list[Any] = [Pilot.project_code == code, scope.readable_clause()]
    if stage is not None:
        where.append(Pilot.stage == str(stage))
    if owner_id is not None:
        where.append(Pilot.owner_id == owner_id)
    if ids is not None:
        where.append(col(Pilot.id).in_(list(ids)))
    total = int((await scope.session.exec(select(func.count()).select_from(Pilot).where(*where))).one())
    stmt = select(Pilot).where(*where).order_by(*_order()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = (await scope.session.exec(stmt)).all()
    return [ScopedPilot(p, scope) for p in rows], total


async def titles(scope: Scope, code: str, *, offset: int, limit: int) -> tuple[list[Pilot], int]:
    """Pilots whose titles the caller may read (finance: every pilot of the project)."""
    scope.require_title_role()
    where = [Pilot.project_code == code, scope.title_clause()]
    total = int((await scope.session.exec(select(func.count()).select_from(Pilot).where(*where))).one())
    rows = (
        await scope.session.exec(select(Pilot).where(*where).order_by(*_order()).offset(offset).limit(limit))
    ).all()
    return list(rows), total


async def mine(scope: Scope, *, offset: int, limit: int) -> tuple[list[Pilot], int]:
    """Pilots the caller owns or follows as an active champion, across projects."""
    conditions: list[Any] = [Pilot.owner_id == scope.person_id]
    if scope.is_champion_role and scope.champion_of:
        conditions.append(col(Pilot.id).in_(sorted(scope.champion_of)))
    where = or_(*conditions)
    total = int((await scope.session.exec(select(func.count()).select_from(Pilot).where(where))).one())
    stmt = select(Pilot).where(where).order_by(col(Pilot.project_code), *_order()).offset(offset).limit(limit)
    return list((await scope.session.exec(stmt)).all()), total


async def sector_codes(scope: Scope, pilot_ids: Sequence[str]) -> dict[str, list[str]]:
    """Sector codes of each pilot (pilots already scoped by the caller)."""
    out: dict[str, list[str]] = defaultdict(list)
    if not pilot_ids:
        return out
    rows = await scope.session.exec(
        select(PilotSector)
        .where(col(PilotSector.pilot_id).in_(list(pilot_ids)))
        .order_by(col(PilotSector.sector_code))
    )
    for row in rows:
        out[row.pilot_id].append(row.sector_code)
    return out


async def sectors(scope: Scope, pilot: ScopedPilot) -> list[Sector]:
    stmt = (
        select(Sector)
        .join(PilotSector, col(PilotSector.sector_code) == col(Sector.code))
        .where(PilotSector.pilot_id == pilot.id)
        .order_by(col(Sector.code))
    )
    return list((await scope.session.exec(stmt)).all())


async def known_sectors(scope: Scope, codes: Sequence[str]) -> dict[str, Sector]:
    rows = (await scope.session.exec(select(Sector).where(col(Sector.code).in_(list(codes))))).all()
    return {s.code: s for s in rows}


async def set_sectors(scope: Scope, pilot: Pilot, codes: Sequence[str]) -> None:
    """Make the pilot's sectors exactly ``codes`` (the caller holds the pilot for writing)."""
    session = scope.session
    existing = set(
        (await session.exec(select(PilotSector.sector_code).where(PilotSector.pilot_id == pilot.id))).all()
    )
    for code in existing - set(codes):
        row = await session.get(PilotSector, (pilot.id, code))
        if row is not None:
            await session.delete(row)
    for code in set(codes) - existing:
        session.add(PilotSector(pilot_id=pilot.id, sector_code=code))


def today() -> dt.date:
    return dt.date.today()
