"""Changing a pilot's stage: the one place that writes a stage and its history row."""

from __future__ import annotations

import datetime as dt

from hanke_libs.problems import InvalidParam, UnprocessableContent
from pilots.gates import facts
from pilots.models import Pilot, Project, StageChange, audit
from pilots.models.types import utcnow
from pilots.scope import Scope
from pilots.types import Stage


async def effective_day(scope: Scope, pilot: Pilot, requested: dt.date | None, *, kind: str = "") -> dt.date:
    """The day a stage change takes effect: today, or an earlier day no earlier than the last change.

    A late entry of a pilot that so far only has its creation may be dated earlier (a pilot that
    began on paper before it was entered here): its creation then takes effect on that day too, so
    the history stays in order and as-of reads see the pilot from then on.
    """
    today = dt.date.today()
    if requested is None:
        return today
    last = await facts.last_change(scope, pilot.id)
    problems = []
    if requested > today:
        problems.append(f"{requested} is in the future")
    project = await scope.session.get(Project, pilot.project_code)
    if project is not None and requested < project.period_start:
        problems.append(f"{requested} is before the project began ({project.period_start})")
    if last is not None and requested < last.effective_on:
        if kind == "late_entry" and last.kind == "created" and not problems:
            await audit.record(
                scope.session,
                actor=scope.principal,
                action="backdate",
                entity_type="pilot",
                entity_id=pilot.id,
                changes={"created_effective_on": [last.effective_on, requested]},
            )
            last.effective_on = requested
            scope.session.add(last)
        else:
            problems.append(f"{requested} is before the pilot's previous stage change ({last.effective_on})")
    if problems:
        raise UnprocessableContent(
            "effective_on: " + "; ".join(problems) + ".",
            slug="invalid-effective-date",
            errors=[InvalidParam(name="body.effective_on", reason=p) for p in problems],
        )
    return requested


async def change_stage(
    scope: Scope,
    pilot: Pilot,
    target: Stage,
    *,
    kind: str,
    reason: str | None,
    effective_on: dt.date,
    decision_id: str | None = None,
) -> StageChange:
    """Move ``pilot`` (held for writing) to ``target`` and record the move and its audit entry."""
    current = pilot.stage
    pilot.stage = str(target)
    pilot.version += 1
    pilot.updated_at = utcnow()
    scope.session.add(pilot)
    change = StageChange(
        pilot_id=pilot.id,
        from_stage=current,
        to_stage=str(target),
        kind=kind,
        actor=scope.principal.actor,
        reason=reason,
        effective_on=effective_on,
        decision_id=decision_id,
    )
    scope.session.add(change)
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="move",
        entity_type="pilot",
        entity_id=pilot.id,
        changes={
            "stage": [current, str(target)],
            "kind": kind,
            "reason": reason,
            "effective_on": effective_on,
            "decision_id": decision_id,
        },
    )
    return change
