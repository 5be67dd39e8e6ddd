"""Pilots' lists (a project's, the caller's own), the caller's relation to a pilot, its frozen
changes. The body of one pilot is in :mod:`pilots.pilots.bodies`, the writes in
:mod:`pilots.pilots.edits`."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlmodel import col, select

from hanke_libs.problems import NotFound
from pilots.gates import facts
from pilots.models import FrozenChange
from pilots.pilots import hot, repository
from pilots.pilots.bodies import summary
from pilots.pilots.repository import ScopedPilot
from pilots.pilots.schemas import MyPilot, PilotRelation, PilotSummary
from pilots.scope import Scope, with_read_session
from pilots.types import Stage


async def list_in_project(
    scope: Scope,
    code: str,
    *,
    stage: Stage | None,
    owner_id: str | None,
    as_of: dt.date | None,
    offset: int,
    limit: int,
) -> tuple[list[PilotSummary], int]:
    """The project's pilots the caller may read (as of a day: those that existed then, with their stage then)."""
    if as_of is None and scope.reads_all and scope.db is not None:  # the hot read (pilots.pilots.hot)
        rows, total = await hot.page(
            scope, scope.db, code, stage=stage, owner_id=owner_id, offset=offset, limit=limit
        )
        return [summary(scope, SimpleNamespace(**values), sectors) for values, sectors in rows], total
    async with with_read_session(scope) as scope:
        return await _listed_in_project(
            scope, code, stage=stage, owner_id=owner_id, as_of=as_of, offset=offset, limit=limit
        )


async def _listed_in_project(
    scope: Scope,
    code: str,
    *,
    stage: Stage | None,
    owner_id: str | None,
    as_of: dt.date | None,
    offset: int,
    limit: int,
) -> tuple[list[PilotSummary], int]:
    """:func:`list_in_project`'s session path."""
    await repository.get_project(scope, code)
    if as_of is None:
        found, total = await repository.list_in_project(
            scope, code, stage=stage, owner_id=owner_id, offset=offset, limit=limit
        )
        stages = {f.id: Stage(f.row.stage) for f in found}
    else:
        every, _ = await repository.list_in_project(scope, code, owner_id=owner_id)
        on_day = await facts.stages_on(scope, [f.id for f in every], as_of)
        kept = [f for f in every if f.id in on_day and (stage is None or on_day[f.id] == stage)]
        total, found, stages = len(kept), kept[offset : offset + limit], on_day
    sectors = await repository.sector_codes(scope, [f.id for f in found])
    return [summary(scope, f.row, sectors[f.id], stages[f.id]) for f in found], total


async def mine(scope: Scope, *, offset: int, limit: int) -> tuple[list[MyPilot], int]:
    rows, total = await repository.mine(scope, offset=offset, limit=limit)
    sectors = await repository.sector_codes(scope, [p.id for p in rows])
    items = [
        MyPilot(
            **summary(scope, p, sectors[p.id]).model_dump(),
            relation="owner" if scope.is_owner(p) else "champion",
        )
        for p in rows
    ]
    return items, total


async def relation(scope: Scope, pilot_id: str) -> PilotRelation:
    pilot = await repository.find_any(scope, pilot_id)
    if pilot is None:
        raise NotFound(f"No pilot with id {pilot_id!r}.", slug="pilot-not-found")
    return PilotRelation(
        pilot_id=pilot.id,
        project_code=pilot.project_code,
        stage=Stage(pilot.stage),
        is_owner=scope.is_owner(pilot),
        is_champion=scope.is_champion(pilot),
        may_read=scope.may_read(pilot),
        may_edit=scope.may_edit(pilot),
    )


async def frozen_changes(scope: Scope, found: ScopedPilot, *, offset: int, limit: int) -> list[FrozenChange]:
    rows = (
        await scope.session.exec(
            select(FrozenChange)
            .where(FrozenChange.pilot_id == found.id)
            .order_by(col(FrozenChange.at), col(FrozenChange.id))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return list(rows)
