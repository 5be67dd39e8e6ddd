"""Stage moves and next-gate hints; the moves that are decisions are the project's."""

from __future__ import annotations

from hanke_libs.etag import IfMatch
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, UnprocessableContent
from pilots.gates import facts
from pilots.gates.decisions import record
from pilots.gates.lifecycle import (
    ACTIVE,
    allowed_moves,
    decision_gate,
    move_kind,
    needs_reason,
    needs_reference,
    next_stage,
    requirements,
)
from pilots.gates.portfolio import PORTFOLIO_MAX, refuse_when_full, room
from pilots.gates.schemas import MoveRequest, NextGateStatus, Requirement
from pilots.gates.stage import change_stage, effective_day
from pilots.models import Pilot
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
from pilots.types import DecisionGate, Stage

OUTCOME_OF_MOVE = {
    DecisionGate.approval: "approved",
    DecisionGate.establishment: "established",
    DecisionGate.withdrawal: "withdrawn",
}


def _refuse(detail: str, slug: str, pilot: Pilot, missing: list[Requirement]) -> Conflict:
    return Conflict(
        detail,
        slug=slug,
        stage=pilot.stage,
        missing=[m.model_dump(mode="json") for m in missing],
        allowed_moves=[str(s) for s in allowed_moves(Stage(pilot.stage))],
    )


async def move(scope: Scope, pilot_id: str, request: MoveRequest, if_match: IfMatch | None) -> ScopedPilot:
    """Move the pilot to ``request.to`` if the lifecycle, the caller's role and the gates allow it."""
    found = await repository.get(scope, pilot_id, for_update=True)
    pilot = found.row
    if not found.may_edit:
        raise Forbidden(
            "Only the pilot's owner, the project manager or an admin may move this pilot.",
            slug="not-pilot-owner",
        )
    if if_match is not None:
        if_match.check(pilot.version, label=f"Pilot {pilot.id}")
    current, target = Stage(pilot.stage), request.to
    kind = move_kind(current, target)
    if kind is None:
        raise _refuse(f"The lifecycle has no move from {current} to {target}.", "move-not-allowed", pilot, [])
    if current == Stage.evaluated and target != Stage.established:
        raise _refuse(
            f"Leaving the evaluation gate is the evaluation decision: POST /pilots/{pilot.id}/decisions with "
            "outcome scale_up, adjust_and_continue, park or stop, its reasoning and evidence.",
            "decision-required",
            pilot,
            [],
        )
    unmet = (
        []
        if target == Stage.idea
        else [r for r in requirements(target, await facts.gate_facts(scope, pilot)) if not r.met]
    )
    if kind == "late_entry" and not request.late_entry:
        raise _refuse(
            f"From {current} the next stage is {next_stage(current)}; entering {target} directly is a late "
            "entry (send late_entry: true with a reason).",
            "move-not-allowed",
            pilot,
            unmet,
        )
    gate = decision_gate(current, target)
    if gate is not None:
        scope.require_manager(
            {
                DecisionGate.approval: "Approving a pilot",
                DecisionGate.establishment: "Establishing a pilot",
                DecisionGate.withdrawal: "Taking an approved pilot out of the portfolio",
            }[gate]
        )
    if gate is not None and needs_reference(gate) and request.decision is None:
        raise UnprocessableContent(
            f"Moving from {current} to {target} is the steering group's decision: send decision with its "
            "reference (e.g. 'Ohjausryhmä 2/2020, § 5') and decided_on.",
            slug="decision-reference-required",
            errors=[InvalidParam(name="body.decision", reason=f"required for {gate}")],
        )
    if needs_reason(current, kind) and not request.reason:
        raise UnprocessableContent(
            f"A {kind.replace('_', ' ')} from {current} to {target} needs a reason.",
            slug="reason-required",
            errors=[InvalidParam(name="body.reason", reason="required for this move")],
        )
    if kind in ("forward", "late_entry") and unmet:
        raise _refuse(
            f"{target} needs: " + "; ".join(r.message for r in unmet) + ".", "gate-not-met", pilot, unmet
        )
    if target in ACTIVE and current not in ACTIVE:
        await refuse_when_full(scope, pilot)
    requested = request.effective_on or (request.decision.decided_on if request.decision else None)
    effective = await effective_day(scope, pilot, requested, kind=kind)
    decision_id = None
    if gate is not None:
        decision = await record(
            scope,
            pilot,
            gate=gate,
            outcome=OUTCOME_OF_MOVE[gate],
            to_stage=target,
            decision=request.decision,
            reasoning=request.reason,
        )
        decision_id = decision.id
    await change_stage(
        scope,
        pilot,
        target,
        kind=kind,
        reason=request.reason,
        effective_on=effective,
        decision_id=decision_id,
    )
    await scope.session.flush()
    return found


async def next_gate(scope: Scope, pilot_id: str) -> NextGateStatus:
    """What the next stage on the main path needs, met or not."""
    found = await repository.get(scope, pilot_id)
    pilot = found.row
    current = Stage(pilot.stage)
    upcoming = next_stage(current)
    moves = allowed_moves(current)
    if upcoming is None:
        return NextGateStatus(
            stage=current,
            next_stage=None,
            ready=False,
            missing=[],
            requirements=[],
            allowed_moves=moves,
            note=f"{current} is a final stage.",
        )
    reqs = requirements(upcoming, await facts.gate_facts(scope, pilot))
    portfolio = None
    if upcoming in ACTIVE and current not in ACTIVE:
        active = await room(scope, pilot)
        has_room = active < PORTFOLIO_MAX
        portfolio = {"active_count": active, "maximum": PORTFOLIO_MAX, "room": has_room}
        reqs.append(
            Requirement(
                code="portfolio_room",
                stage=upcoming,
                message=f"room in the portfolio (fewer than {PORTFOLIO_MAX} other pilots from approval onward)",
                met=has_room,
            )
        )
    missing = [r for r in reqs if not r.met]
    gate = decision_gate(current, upcoming)
    if current == Stage.evaluated:
        note = (
            f"The evaluation decision: POST /pilots/{pilot.id}/decisions (scale_up, adjust_and_continue, park, "
            "stop); establishing needs a scale_up decision and an establishment record."
        )
    elif missing:
        note = f"Before {upcoming}: " + "; ".join(r.message for r in missing) + "."
    else:
        note = f'POST /pilots/{pilot.id}/moves with {{"to": "{upcoming}"}}'
        if gate is not None:
            note += " and the steering group's decision (reference, decided_on); project manager or admin"
    return NextGateStatus(
        stage=current,
        next_stage=upcoming,
        ready=not missing,
        missing=missing,
        requirements=reqs,
        allowed_moves=moves,
        decision_needed=gate,
        portfolio=portfolio,
        note=note,
    )
