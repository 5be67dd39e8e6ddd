"""Decisions at a pilot's gates: recorded with who, when, the reference and the evidence.

Approval, withdrawal and establishment are recorded by the moves that are them
(:mod:`pilots.gates.moves`); the evaluation decision is its own act (:func:`evaluate`): *scale up*
keeps the pilot evaluated and proposes an establishment record, *adjust and continue* sends it back
to running, *park* keeps it evaluated (not establishable), *stop* discontinues it. A later decision
replaces the earlier one (a stopped or parked pilot is established only after a new decision).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import col, func, select

from hanke_libs.links import public_url
from hanke_libs.problems import Conflict, InvalidParam, NotFound, UnprocessableContent
from pilots.establishment import service as establishment
from pilots.gates import facts
from pilots.gates.lifecycle import ACTIVE, OUTCOME_STAGE
from pilots.gates.portfolio import refuse_when_full
from pilots.gates.schemas import DecisionRecord, EvaluationDecisionCreate, EvidenceLink, GateDecisionPublic
from pilots.gates.stage import change_stage
from pilots.models import GateDecision, Measurement, Pilot, TimelinePost, audit
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
from pilots.types import DecisionBody, DecisionGate, EvaluationOutcome, Stage


async def record(
    scope: Scope,
    pilot: Pilot,
    *,
    gate: DecisionGate,
    outcome: str,
    to_stage: Stage,
    decision: DecisionRecord | None,
    reasoning: str | None,
    evidence: list[dict[str, Any]] | None = None,
    success_rating: int | None = None,
    establishment_id: str | None = None,
) -> GateDecision:
    """Store one decision (the caller is the project manager or an admin) and audit it."""
    row = GateDecision(
        pilot_id=pilot.id,
        project_code=pilot.project_code,
        gate=str(gate),
        outcome=outcome,
        from_stage=pilot.stage,
        to_stage=str(to_stage),
        reasoning=reasoning,
        evidence=evidence or [],
        decided_on=decision.decided_on if decision else dt.date.today(),
        reference=decision.reference if decision else None,
        decision_body=str(decision.body if decision else DecisionBody.project),
        decided_by=scope.principal.actor,
        success_rating=success_rating,
        establishment_id=establishment_id,
    )
    scope.session.add(row)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="decide",
        entity_type="gate_decision",
        entity_id=row.id,
        changes=row.model_dump(exclude={"id", "recorded_at"}),
    )
    return row


async def check_decided_on(scope: Scope, decision: DecisionRecord, pilot: Pilot) -> None:
    """A decision is recorded once made, and not dated before the pilot's last stage change."""
    problems = []
    if decision.decided_on > dt.date.today():
        problems.append(f"{decision.decided_on} is in the future: record a decision once it is made")
    last = await facts.last_change(scope, pilot.id)
    if last is not None and decision.decided_on < last.effective_on:
        problems.append(
            f"{decision.decided_on} is before the pilot's last stage change ({last.effective_on}, {last.to_stage})"
        )
    if problems:
        raise UnprocessableContent(
            "decision.decided_on: " + "; ".join(problems) + ".",
            slug="invalid-decision-date",
            errors=[InvalidParam(name="body.decision.decided_on", reason=p) for p in problems],
        )


async def _check_evidence(scope: Scope, pilot: Pilot, links: list[EvidenceLink]) -> None:
    """Measurement and post ids must be this pilot's (422 naming each that is not)."""
    wanted = {
        "measurement": [e.ref for e in links if e.kind == "measurement"],
        "timeline_post": [e.ref for e in links if e.kind == "timeline_post"],
    }
    found: dict[str, set[str]] = {}
    for kind, model in (("measurement", Measurement), ("timeline_post", TimelinePost)):
        ids = wanted[kind]
        found[kind] = (
            set(
                (
                    await scope.session.exec(
                        select(model.id).where(col(model.id).in_(ids), model.pilot_id == pilot.id)  # type: ignore[attr-defined]
                    )
                ).all()
            )
            if ids
            else set()
        )
    errors = [
        InvalidParam(
            name=f"body.evidence.{i}.ref", reason=f"no {e.kind.replace('_', ' ')} {e.ref!r} of this pilot"
        )
        for i, e in enumerate(links)
        if e.kind != "document" and e.ref not in found[e.kind]
    ]
    if errors:
        raise UnprocessableContent(
            "The evidence must be this pilot's measurements, timeline posts or documents by URL: "
            + "; ".join(e.reason for e in errors),
            slug="invalid-evidence",
            errors=errors,
        )


async def evaluate(scope: Scope, pilot_id: str, data: EvaluationDecisionCreate) -> GateDecision:
    """Record the evaluation decision and apply what it means for the pilot's stage."""
    found = await repository.get(scope, pilot_id, for_update=True)
    scope.require_manager("The evaluation decision (scale up, adjust and continue, park or stop)")
    pilot = found.row
    stage = Stage(pilot.stage)
    latest = await facts.latest_evaluation(scope, pilot.id)
    stopped = stage == Stage.discontinued and latest is not None and latest.outcome == EvaluationOutcome.stop
    if stage != Stage.evaluated and not stopped:
        raise Conflict(
            f"Pilot {pilot.id} is {stage}: the evaluation decision is made on an evaluated pilot (or as a new "
            "decision on one stopped by an earlier decision).",
            slug="not-at-evaluation-gate",
            stage=str(stage),
        )
    await check_decided_on(scope, data.decision, pilot)
    if data.outcome == EvaluationOutcome.scale_up and data.establishment is None:
        raise UnprocessableContent(
            "Scaling up proposes an establishment record: send establishment with anchor_kind and anchor_name "
            "(where the practice is to live).",
            slug="establishment-required",
            errors=[InvalidParam(name="body.establishment", reason="required for scale_up")],
        )
    await _check_evidence(scope, pilot, data.evidence)
    target = OUTCOME_STAGE[data.outcome]
    if target in ACTIVE and stage not in ACTIVE:
        await refuse_when_full(scope, pilot)
    record_id = None
    if data.outcome == EvaluationOutcome.scale_up:
        assert data.establishment is not None
        proposed = await establishment.propose(scope, found, data.establishment)
        record_id = proposed.id
    decision = await record(
        scope,
        pilot,
        gate=DecisionGate.evaluation,
        outcome=str(data.outcome),
        to_stage=target,
        decision=data.decision,
        reasoning=data.reasoning,
        evidence=[e.model_dump() for e in data.evidence],
        success_rating=data.success_rating,
        establishment_id=record_id,
    )
    if data.success_rating is not None and data.success_rating != pilot.success_rating:
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="update",
            entity_type="pilot",
            entity_id=pilot.id,
            changes={
                "success_rating": [pilot.success_rating, data.success_rating],
                "decision_id": decision.id,
            },
        )
        pilot.success_rating = data.success_rating
    if target != stage:
        await change_stage(
            scope,
            pilot,
            target,
            kind="decision",
            reason=f"evaluation decision {data.outcome}: {data.reasoning}",
            effective_on=data.decision.decided_on,
            decision_id=decision.id,
        )
    else:
        pilot.version += 1
        scope.session.add(pilot)
    await scope.session.flush()
    return decision


async def list_for(
    scope: Scope, pilot: ScopedPilot, *, offset: int, limit: int
) -> tuple[list[GateDecision], int]:
    where = GateDecision.pilot_id == pilot.id
    total = int((await scope.session.exec(select(func.count()).select_from(GateDecision).where(where))).one())
    rows = (
        await scope.session.exec(
            select(GateDecision)
            .where(where)
            .order_by(col(GateDecision.decided_on), col(GateDecision.recorded_at), col(GateDecision.id))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return list(rows), total


async def get(scope: Scope, pilot: ScopedPilot, decision_id: str) -> GateDecision:
    row = await scope.session.get(GateDecision, decision_id)
    if row is None or row.pilot_id != pilot.id:
        raise NotFound(f"Pilot {pilot.id} has no decision {decision_id!r}.", slug="decision-not-found")
    return row


def to_public(scope: Scope, d: GateDecision) -> GateDecisionPublic:
    return GateDecisionPublic(
        id=d.id,
        pilot_id=d.pilot_id,
        project_code=d.project_code,
        gate=DecisionGate(d.gate),
        outcome=d.outcome,
        from_stage=Stage(d.from_stage),
        to_stage=Stage(d.to_stage),
        reasoning=d.reasoning,
        evidence=[EvidenceLink.model_validate(e) for e in d.evidence],
        decided_on=d.decided_on,
        reference=d.reference,
        decision_body=DecisionBody(d.decision_body),
        decided_by=d.decided_by,
        success_rating=d.success_rating,
        establishment_id=d.establishment_id,
        recorded_at=d.recorded_at,
        href=public_url(scope.settings, f"/pilots/{d.pilot_id}/decisions/{d.id}"),
    )
