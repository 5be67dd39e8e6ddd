"""API models of moves, gates, decisions and the portfolio."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

from hanke_libs.inputs import NonNegativeInt32, StrictDate
from hanke_libs.personal import PersonalField
from pilots.types import (
    AnchorKind,
    DecisionBody,
    DecisionGate,
    EvaluationOutcome,
    Label,
    LongText,
    Reason,
    Reference,
    ShortText,
    Stage,
)


class DecisionRecord(BaseModel):
    """The decision behind a move: where and when it was made."""

    model_config = ConfigDict(extra="forbid")

    reference: Reference = Field(
        description="The decision's reference, e.g. 'Ohjausryhmä 3/2021, § 4' (steering group meeting)"
    )
    decided_on: StrictDate = Field(description="The day the decision was made (the meeting's date)")
    body: DecisionBody = Field(default=DecisionBody.steering_group, description="Who decided")


class MoveRequest(BaseModel):
    """A move of a pilot to another stage."""

    model_config = ConfigDict(extra="forbid")

    to: Stage
    reason: Reason | None = Field(
        default=None, description="Needed for a move back, a late entry and discontinuing before evaluation"
    )
    late_entry: StrictBool = Field(
        default=False, description="Enter an existing pilot directly in a later stage (needs a reason)"
    )
    effective_on: StrictDate | None = Field(
        default=None,
        description="The day the stage took effect, if earlier than today: not before the previous stage change "
        "(a late entry of a newly entered pilot may predate its creation: it began on paper earlier) nor after today",
    )
    decision: DecisionRecord | None = Field(
        default=None,
        description="Needed for approval (entering approved or later) and for establishing: the "
        "steering group's decision. Only the project manager or an admin records it.",
    )


class Requirement(BaseModel):
    """One condition of entering a stage, met or not."""

    code: str
    stage: Stage
    message: str
    met: bool


class NextGateStatus(BaseModel):
    """What the next stage on the main path needs, and what the caller can do now."""

    stage: Stage
    next_stage: Stage | None
    ready: bool
    missing: list[Requirement]
    requirements: list[Requirement]
    allowed_moves: list[Stage]
    decision_needed: DecisionGate | None = Field(
        default=None, description="The next move is a decision of the project manager or an admin"
    )
    portfolio: dict[str, Any] | None = None
    note: str


class StageChangePublic(BaseModel):
    """One move in a pilot's lifecycle."""

    id: str
    from_stage: Stage | None
    to_stage: Stage
    kind: str
    actor: str | None = PersonalField(description="Who moved it (person id)")
    at: dt.datetime = Field(description="When the move was recorded")
    effective_on: dt.date = Field(description="When the stage took effect (as-of reads use this)")
    reason: str | None = PersonalField(description="Why (person-written)")
    decision_id: str | None = None


class FrozenChangePublic(BaseModel):
    """A recorded change of what a running pilot tests."""

    id: str
    entity: str
    field: str
    old_value: str | None = PersonalField()
    new_value: str | None = PersonalField()
    reason: str | None = PersonalField()
    actor: str | None = PersonalField()
    at: dt.datetime


class EvidenceLink(BaseModel):
    """Evidence behind a decision: an indicator measurement, a timeline post or a document by URL."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["measurement", "timeline_post", "document"]
    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] = Field(
        description="The measurement's or post's id, or the document's http(s) URL"
    )
    note: Label | None = None

    @model_validator(mode="after")
    def _url(self) -> EvidenceLink:
        if self.kind == "document" and not self.ref.startswith(("https://", "http://")):
            raise ValueError("a document is linked by its http(s) URL")
        if self.kind != "document" and len(self.ref) > 36:
            raise ValueError("a measurement or timeline post is linked by its id")
        return self


class ProposedEstablishment(BaseModel):
    """Where a scaled-up practice is to live (the establishment record the decision proposes)."""

    model_config = ConfigDict(extra="forbid")

    practice: ShortText | None = Field(default=None, description="Defaults to the pilot's title")
    anchor_kind: AnchorKind
    anchor_name: ShortText
    description: LongText | None = None


class EvaluationDecisionCreate(BaseModel):
    """The decision at the evaluation gate (project manager or admin)."""

    model_config = ConfigDict(extra="forbid")

    outcome: EvaluationOutcome
    reasoning: Annotated[LongText, StringConstraints(min_length=10)] = Field(
        description="Why: what the evidence says"
    )
    evidence: list[EvidenceLink] = Field(min_length=1, max_length=30)
    decision: DecisionRecord
    success_rating: Annotated[NonNegativeInt32, Field(ge=1, le=10)] | None = Field(
        default=None, description="The pilot's success, 1-10"
    )
    establishment: ProposedEstablishment | None = Field(
        default=None, description="Required for scale_up: the establishment record it proposes"
    )


class GateDecisionPublic(BaseModel):
    """A decision recorded at one of a pilot's gates."""

    id: str
    pilot_id: str
    project_code: str
    gate: DecisionGate
    outcome: str
    from_stage: Stage
    to_stage: Stage
    reasoning: str | None = PersonalField(description="Why (person-written)")
    evidence: list[EvidenceLink] | None = PersonalField(default=None)
    decided_on: dt.date
    reference: str | None
    decision_body: DecisionBody
    decided_by: str | None = PersonalField(description="Who recorded the decision (person id)")
    success_rating: int | None
    establishment_id: str | None
    recorded_at: dt.datetime
    href: str


class PortfolioPilot(BaseModel):
    """A pilot in the portfolio, and whether it counts toward the 3-5 rule."""

    id: str
    title: str
    stage: Stage
    owner_id: str | None = PersonalField(description="The owner's person id")
    sectors: list[str]
    success_rating: int | None
    counts_toward_rule: bool
    not_counted_reason: str | None = Field(
        default=None, description="Why an approved or later pilot does not count (a rule it breaks now)"
    )
    latest_decision: str | None = Field(default=None, description="The latest evaluation decision")


class PortfolioDecision(BaseModel):
    """A decision in the portfolio's list across pilots."""

    id: str
    pilot_id: str
    title: str
    gate: DecisionGate
    outcome: str
    decided_on: dt.date
    reference: str | None
    decision_body: DecisionBody


class Portfolio(BaseModel):
    """The project's pilots by stage, the 3-5 rule and the decisions across pilots."""

    project_code: str
    as_of: dt.date | None = Field(description="The day the answer describes (null: today, live)")
    by_stage: dict[str, int]
    active_count: int = Field(description="Pilots from approval onward that meet the portfolio rules now")
    approved_or_later: int = Field(description="Pilots from approval onward, counted or not")
    minimum: int
    maximum: int
    minimum_met: bool
    maximum_ok: bool
    rule: str
    as_of_note: str | None = None
    pilots: list[PortfolioPilot]
    decisions: list[PortfolioDecision]
