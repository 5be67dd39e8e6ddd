"""The pilot lifecycle: idea -> planned -> approved -> running -> evaluated -> established | discontinued.

Entering a stage needs the gates of every stage up to it (cumulative), so a pilot entered late or
moved back and forward again meets the same conditions. Moves back need a reason; so do late entries
(jumping forward several stages at once) and discontinuing before evaluation. Established and
discontinued are final.

Decisions: a move that makes a pilot count in the portfolio (approval), takes it out again
(withdrawal, discontinuing an approved pilot), or establishes it is the project's decision, never the
owner's; leaving the evaluation gate otherwise goes through the evaluation decision
(``POST /pilots/{id}/decisions``: scale up / adjust and continue / park / stop).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pilots.gates.schemas import Requirement
from pilots.models import Pilot
from pilots.types import DecisionGate, EvaluationOutcome, Stage

MAIN_PATH = [Stage.idea, Stage.planned, Stage.approved, Stage.running, Stage.evaluated, Stage.established]
FINAL = {Stage.established, Stage.discontinued}
ACTIVE = {Stage.approved, Stage.running, Stage.evaluated, Stage.established}
FROZEN = {Stage.running, Stage.evaluated, Stage.established}  # and discontinued after it ran
# Where an evaluation decision leaves the pilot.
OUTCOME_STAGE = {
    EvaluationOutcome.scale_up: Stage.evaluated,
    EvaluationOutcome.adjust_and_continue: Stage.running,
    EvaluationOutcome.park: Stage.evaluated,
    EvaluationOutcome.stop: Stage.discontinued,
}


@dataclass
class GateFacts:
    """What the gates look at besides the pilot's own fields."""

    pilot: Pilot
    sector_count: int
    indicators_with_baseline_and_target: int
    measurement_count: int
    establishment_count: int
    unanswered: dict[str, list[str]] = field(default_factory=dict)  # gate -> required question codes
    latest_evaluation: str | None = None


def hypothesis_complete(p: Pilot) -> bool:
    return all(
        v not in (None, "")
        for v in (
            p.hypothesis_action,
            p.hypothesis_group,
            p.hypothesis_group_size,
            p.hypothesis_outcome,
            p.hypothesis_outcome_percent,
            p.hypothesis_time_frame,
        )
    )


def customer_involvement(p: Pilot) -> bool:
    return bool(p.customer_groups and p.customer_involvement_method and p.customers_involved)


Check = Callable[[GateFacts], bool]


def _reflections(stage: Stage) -> tuple[str, str, Check]:
    return (
        "reflections",
        f"answers to the required reflection questions of the {stage} gate (PUT /pilots/{{id}}/reflections/{{question_id}})",
        lambda f: not f.unanswered.get(str(stage)),
    )


GATES: dict[Stage, list[tuple[str, str, Check]]] = {
    Stage.planned: [
        ("need", "the need or problem is described (need)", lambda f: bool(f.pilot.need)),
        _reflections(Stage.planned),
    ],
    Stage.approved: [
        ("sectors", "at least two sectors (hallintoalat)", lambda f: f.sector_count >= 2),
        (
            "customer_involvement",
            "customer groups, how customers take part and how many (customer_groups, "
            "customer_involvement_method, customers_involved > 0)",
            lambda f: customer_involvement(f.pilot),
        ),
        (
            "hypothesis",
            "a complete hypothesis: action, group, group size N, outcome, outcome X %, time frame",
            lambda f: hypothesis_complete(f.pilot),
        ),
        (
            "indicator",
            "at least one indicator with a baseline and a target",
            lambda f: f.indicators_with_baseline_and_target >= 1,
        ),
        ("dates", "a start and an end date", lambda f: bool(f.pilot.start_date and f.pilot.end_date)),
        _reflections(Stage.approved),
    ],
    Stage.running: [_reflections(Stage.running)],
    Stage.evaluated: [
        ("measurements", "at least one measurement of an indicator", lambda f: f.measurement_count >= 1),
        ("what_happened", "what happened is described", lambda f: bool(f.pilot.what_happened)),
        ("conclusion", "the conclusion is written", lambda f: bool(f.pilot.conclusion)),
        _reflections(Stage.evaluated),
    ],
    Stage.established: [
        (
            "scale_up_decision",
            "an evaluation decision to scale up (POST /pilots/{id}/decisions with outcome scale_up)",
            lambda f: f.latest_evaluation == EvaluationOutcome.scale_up,
        ),
        (
            "establishment_record",
            "an establishment record (vakiinnuttaminen) linked to this pilot",
            lambda f: f.establishment_count >= 1,
        ),
        _reflections(Stage.established),
    ],
    Stage.discontinued: [],
}


def requirements(target: Stage, facts: GateFacts) -> list[Requirement]:
    """Every requirement of entering ``target`` (cumulative along the main path), met or not."""
    stages = (
        [Stage.discontinued] if target == Stage.discontinued else MAIN_PATH[1 : MAIN_PATH.index(target) + 1]
    )
    return [
        Requirement(code=code, stage=stage, message=message, met=check(facts))
        for stage in stages
        for code, message, check in GATES.get(stage, [])
    ]


def next_stage(stage: Stage) -> Stage | None:
    if stage in FINAL:
        return None
    return MAIN_PATH[MAIN_PATH.index(stage) + 1]


def allowed_moves(stage: Stage) -> list[Stage]:
    """The ordinary moves from ``stage``: one step forward, back to any earlier stage, discontinue.
    From evaluated only establishing is a move; the rest is the evaluation decision."""
    if stage in FINAL:
        return []
    if stage == Stage.evaluated:
        return [Stage.established]
    i = MAIN_PATH.index(stage)
    return [MAIN_PATH[i + 1], *reversed(MAIN_PATH[:i]), Stage.discontinued]


def move_kind(current: Stage, target: Stage) -> str | None:
    """forward, back, late_entry or discontinue; None when the lifecycle has no such move."""
    if current in FINAL or current == target:
        return None
    if target == Stage.discontinued:
        return "discontinue"
    i, j = MAIN_PATH.index(current), MAIN_PATH.index(target)
    if j == i + 1:
        return "forward"
    if j < i:
        return "back"
    return "late_entry"


def needs_reason(current: Stage, kind: str) -> bool:
    return kind in ("back", "late_entry") or (kind == "discontinue" and current != Stage.evaluated)


def decision_gate(current: Stage, target: Stage) -> DecisionGate | None:
    """The decision a move is, if it is one (then only the project manager or an admin makes it)."""
    if target == Stage.established:
        return DecisionGate.establishment
    if target in ACTIVE and current not in ACTIVE:
        return DecisionGate.approval
    if current in ACTIVE and target not in ACTIVE:
        return DecisionGate.withdrawal
    return None


def needs_reference(gate: DecisionGate) -> bool:
    """Approval and establishment carry the decision's reference (steering group meeting, date)."""
    return gate in (DecisionGate.approval, DecisionGate.establishment, DecisionGate.evaluation)
