"""The pilot lifecycle: idea -> planned -> approved -> running -> evaluated -> established | discontinued.

Entering a stage needs the gates of every stage up to it (cumulative), so a pilot entered late or
moved back and forward again meets the same conditions. Moves back need a reason; so do late entries
(jumping forward several stages at once) and discontinuing before evaluation. Established and
discontinued are final.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pilots.models import Pilot
from pilots.schemas.common import Stage
from pilots.schemas.pilot import Requirement

MAIN_PATH = [Stage.idea, Stage.planned, Stage.approved, Stage.running, Stage.evaluated, Stage.established]
FINAL = {Stage.established, Stage.discontinued}
ACTIVE = {Stage.approved, Stage.running, Stage.evaluated, Stage.established}
FROZEN = {Stage.running, Stage.evaluated, Stage.established}  # and discontinued after it ran
PORTFOLIO_MIN, PORTFOLIO_MAX = 3, 5
PORTFOLIO_RULE = (
    "active_count counts the project's pilots in stages approved, running, evaluated and established "
    "(each pilot weighs 1; idea, planned and discontinued pilots do not count). A project needs at least "
    f"{PORTFOLIO_MIN} and at most {PORTFOLIO_MAX} active pilots; approving one more than {PORTFOLIO_MAX} "
    "is refused."
)


@dataclass
class GateFacts:
    """What the gates look at besides the pilot's own fields."""

    pilot: Pilot
    sector_count: int
    indicators_with_baseline_and_target: int
    measurement_count: int
    establishment_count: int
    extra: dict[str, object] = field(default_factory=dict)


def _hypothesis_complete(p: Pilot) -> bool:
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


Check = Callable[[GateFacts], bool]
GATES: dict[Stage, list[tuple[str, str, Check]]] = {
    Stage.planned: [("need", "the need or problem is described (need)", lambda f: bool(f.pilot.need))],
    Stage.approved: [
        ("sectors", "at least two sectors (hallintoalat)", lambda f: f.sector_count >= 2),
        (
            "customer_involvement",
            "customer groups, how customers take part and how many (customer_groups, "
            "customer_involvement_method, customers_involved > 0)",
            lambda f: bool(
                f.pilot.customer_groups and f.pilot.customer_involvement_method and f.pilot.customers_involved
            ),
        ),
        (
            "hypothesis",
            "a complete hypothesis: action, group, group size N, outcome, outcome X %, time frame",
            lambda f: _hypothesis_complete(f.pilot),
        ),
        (
            "indicator",
            "at least one indicator with a baseline and a target",
            lambda f: f.indicators_with_baseline_and_target >= 1,
        ),
        ("dates", "a start and an end date", lambda f: bool(f.pilot.start_date and f.pilot.end_date)),
    ],
    Stage.running: [],
    Stage.evaluated: [
        ("measurements", "at least one measurement of an indicator", lambda f: f.measurement_count >= 1),
        ("what_happened", "what happened is described", lambda f: bool(f.pilot.what_happened)),
        ("conclusion", "the conclusion is written", lambda f: bool(f.pilot.conclusion)),
    ],
    Stage.established: [
        (
            "establishment_record",
            "an establishment record (vakiinnuttaminen) linked to this pilot",
            lambda f: f.establishment_count >= 1,
        ),
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
    """The ordinary moves from ``stage``: one step forward, back to any earlier stage, discontinue."""
    if stage in FINAL:
        return []
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
