"""API models of pilots, their canvas, stage moves and the portfolio."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pilots.schemas.common import Light, LongText, Number, Reason, ShortText, Stage
from pilots.schemas.indicator import IndicatorPublic

SectorCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Criterion = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class Hypothesis(BaseModel):
    """'We believe that ACTION with at least N of GROUP results in at least X % OUTCOME within TIME.'"""

    model_config = ConfigDict(extra="forbid")

    action: LongText | None = None
    group: ShortText | None = None
    group_size: int | None = Field(default=None, ge=1, le=10_000_000)
    outcome: ShortText | None = None
    outcome_percent: Number | None = Field(default=None, ge=-1000, le=1000)
    time_frame: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class PilotFields(BaseModel):
    """Fields a pilot owner writes (all optional: a PATCH changes only what it sends)."""

    model_config = ConfigDict(extra="forbid")

    need: LongText | None = None
    description: LongText | None = None
    sectors: list[SectorCode] | None = Field(default=None, max_length=20)
    customer_groups: list[ShortText] | None = Field(default=None, max_length=30)
    customer_involvement_method: LongText | None = None
    customers_involved: int | None = Field(default=None, ge=0, le=10_000_000)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    riskiest_assumption: LongText | None = None
    hypothesis: Hypothesis | None = None
    what_happened: LongText | None = None
    conclusion: LongText | None = None
    next_step: LongText | None = None
    success_rating: int | None = Field(default=None, ge=1, le=10, description="1-10")
    traffic_lights: dict[Criterion, Light] | None = Field(default=None, max_length=30)


class PilotCreate(PilotFields):
    title: ShortText
    owner_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None
    ) = Field(default=None, description="Person id (participants service); a pilot_owner creates for itself")


class PilotUpdate(PilotFields):
    title: ShortText | None = None
    owner_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None
    ) = None
    change_reason: Reason | None = Field(
        default=None, description="Needed to change what was tested (hypothesis) once the pilot runs"
    )


class SectorRef(BaseModel):
    code: str
    name_fi: str
    name_en: str


class HypothesisPublic(Hypothesis):
    statement: str | None = None


class PilotSummary(BaseModel):
    id: str
    project_code: str
    title: str
    stage: Stage
    owner_id: str
    sectors: list[str]
    success_rating: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    version: int


class PilotPublic(BaseModel):
    id: str
    project_code: str
    title: str
    need: str | None
    description: str | None
    owner_id: str
    sectors: list[SectorRef]
    customer_groups: list[str]
    customer_involvement_method: str | None
    customers_involved: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    riskiest_assumption: str | None
    hypothesis: HypothesisPublic
    what_happened: str | None
    conclusion: str | None
    next_step: str | None
    success_rating: int | None
    traffic_lights: dict[str, Light]
    stage: Stage
    frozen: bool = Field(description="What was tested is frozen: changes need change_reason")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    indicators: list[IndicatorPublic] = []
    establishment_ids: list[str] = []


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Stage
    reason: Reason | None = Field(
        default=None, description="Needed for a move back, a late entry and discontinuing before evaluation"
    )
    late_entry: bool = Field(
        default=False, description="Enter an existing pilot directly in a later stage (needs a reason)"
    )


class Requirement(BaseModel):
    code: str
    stage: Stage
    message: str
    met: bool


class NextGate(BaseModel):
    stage: Stage
    next_stage: Stage | None
    ready: bool
    missing: list[Requirement]
    requirements: list[Requirement]
    allowed_moves: list[Stage]
    portfolio: dict[str, Any] | None = None
    note: str


class StageChangePublic(BaseModel):
    id: str
    from_stage: Stage | None
    to_stage: Stage
    kind: str
    actor: str
    at: dt.datetime
    reason: str | None


class FrozenChangePublic(BaseModel):
    id: str
    entity: str
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    actor: str
    at: dt.datetime


class PortfolioPilot(BaseModel):
    id: str
    title: str
    stage: Stage
    owner_id: str
    sectors: list[str]
    success_rating: int | None


class Portfolio(BaseModel):
    project_code: str
    by_stage: dict[str, int]
    active_count: int
    minimum: int
    maximum: int
    minimum_met: bool
    maximum_ok: bool
    rule: str
    pilots: list[PortfolioPilot]
