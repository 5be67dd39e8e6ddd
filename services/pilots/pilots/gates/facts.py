"""What the gates look at: counts of a pilot's sectors, indicators, answers; its stage history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import col, func, select

from pilots.gates.lifecycle import FROZEN, GateFacts
from pilots.models import (
    EstablishmentPilot,
    GateDecision,
    Indicator,
    Measurement,
    Pilot,
    PilotSector,
    ReflectionAnswer,
    ReflectionQuestion,
    StageChange,
)
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
from pilots.types import DecisionGate, Stage


async def _count(scope: Scope, stmt: object) -> int:
    return int((await scope.session.exec(stmt)).one())  # type: ignore[call-overload]


async def sector_count(scope: Scope, pilot_id: str) -> int:
    return await _count(
        scope, select(func.count()).select_from(PilotSector).where(PilotSector.pilot_id == pilot_id)
    )


async def unanswered_required(scope: Scope, pilot_id: str) -> dict[str, list[str]]:
    """Per gate, the codes of active required questions this pilot has not answered."""
    answered = select(ReflectionAnswer.question_id).where(ReflectionAnswer.pilot_id == pilot_id)
    rows = (
        await scope.session.exec(
            select(ReflectionQuestion.gate, ReflectionQuestion.code)
            .where(
                col(ReflectionQuestion.required).is_(True),
                col(ReflectionQuestion.active).is_(True),
                col(ReflectionQuestion.id).not_in(answered),
            )
            .order_by(col(ReflectionQuestion.sort_order), col(ReflectionQuestion.code))
        )
    ).all()
    out: dict[str, list[str]] = {}
    for gate, code in rows:
        out.setdefault(gate, []).append(code)
    return out


async def latest_evaluation(scope: Scope, pilot_id: str, as_of: dt.date | None = None) -> GateDecision | None:
    stmt = select(GateDecision).where(
        GateDecision.pilot_id == pilot_id, GateDecision.gate == str(DecisionGate.evaluation)
    )
    if as_of is not None:
        stmt = stmt.where(GateDecision.decided_on <= as_of)
    stmt = stmt.order_by(col(GateDecision.decided_on).desc(), col(GateDecision.recorded_at).desc()).limit(1)
    return (await scope.session.exec(stmt)).first()


async def latest_evaluations(
    scope: Scope, pilot_ids: Sequence[str], as_of: dt.date | None = None
) -> dict[str, GateDecision]:
    """The latest evaluation decision of each pilot (by decided_on, then recorded_at)."""
    if not pilot_ids:
        return {}
    stmt = select(GateDecision).where(
        col(GateDecision.pilot_id).in_(list(pilot_ids)), GateDecision.gate == str(DecisionGate.evaluation)
    )
    if as_of is not None:
        stmt = stmt.where(GateDecision.decided_on <= as_of)
    out: dict[str, GateDecision] = {}
    for d in (
        await scope.session.exec(stmt.order_by(col(GateDecision.decided_on), col(GateDecision.recorded_at)))
    ).all():
        out[d.pilot_id] = d
    return out


async def gate_facts(scope: Scope, pilot: Pilot) -> GateFacts:
    indicators = await _count(
        scope,
        select(func.count())
        .select_from(Indicator)
        .where(
            Indicator.pilot_id == pilot.id,
            col(Indicator.baseline).is_not(None),
            col(Indicator.target).is_not(None),
        ),
    )
    measurements = await _count(
        scope, select(func.count()).select_from(Measurement).where(Measurement.pilot_id == pilot.id)
    )
    records = await _count(
        scope,
        select(func.count()).select_from(EstablishmentPilot).where(EstablishmentPilot.pilot_id == pilot.id),
    )
    latest = await latest_evaluation(scope, pilot.id)
    return GateFacts(
        pilot,
        await sector_count(scope, pilot.id),
        indicators,
        measurements,
        records,
        unanswered=await unanswered_required(scope, pilot.id),
        latest_evaluation=latest.outcome if latest else None,
    )


async def has_run(scope: Scope, pilot_id: str) -> bool:
    ran = await scope.session.exec(
        select(StageChange.id)
        .where(StageChange.pilot_id == pilot_id, col(StageChange.to_stage).in_([str(s) for s in FROZEN]))
        .limit(1)
    )
    return ran.first() is not None


async def is_frozen(scope: Scope, pilot: Pilot) -> bool:
    """What was tested is frozen once the pilot runs: running, evaluated, established, or
    discontinued after it had been running."""
    stage = Stage(pilot.stage)
    if stage in FROZEN or stage != Stage.discontinued:
        return frozen_given(stage, has_run=False)
    return await has_run(scope, pilot.id)


def frozen_given(stage: Stage, has_run: bool) -> bool:
    """The freezing rule from the stage and whether the pilot ever ran (see :func:`is_frozen`)."""
    return stage in FROZEN or (stage == Stage.discontinued and has_run)


async def last_change(scope: Scope, pilot_id: str) -> StageChange | None:
    stmt = (
        select(StageChange)
        .where(StageChange.pilot_id == pilot_id)
        .order_by(col(StageChange.effective_on).desc(), col(StageChange.at).desc())
        .limit(1)
    )
    return (await scope.session.exec(stmt)).first()


async def stages_on(scope: Scope, pilot_ids: Sequence[str], day: dt.date) -> dict[str, Stage]:
    """Each pilot's stage on ``day`` from its stage history; pilots that did not exist yet are absent."""
    if not pilot_ids:
        return {}
    rows = (
        await scope.session.exec(
            select(StageChange)
            .where(col(StageChange.pilot_id).in_(list(pilot_ids)), StageChange.effective_on <= day)
            .order_by(col(StageChange.effective_on), col(StageChange.at), col(StageChange.id))
        )
    ).all()
    out: dict[str, Stage] = {}
    for change in rows:
        out[change.pilot_id] = Stage(change.to_stage)
    return out


async def history(
    scope: Scope, pilot: ScopedPilot, *, offset: int, limit: int
) -> tuple[list[StageChange], int]:
    where = StageChange.pilot_id == pilot.id
    total = await _count(scope, select(func.count()).select_from(StageChange).where(where))
    rows = (
        await scope.session.exec(
            select(StageChange)
            .where(where)
            .order_by(col(StageChange.effective_on), col(StageChange.at), col(StageChange.id))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return list(rows), total
