"""API models of a pilot: its canvas, summaries, titles, and the caller's relation to it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hanke_libs.inputs import NonNegativeInt32, Nullable, PatchModel, StrictDate
from hanke_libs.personal import PersonalField
from pilots.gates.schemas import GateDecisionPublic
from pilots.indicators.schemas import IndicatorPublic
from pilots.types import Light, LongText, Number, Reason, ShortText, Stage

SectorCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Criterion = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
PersonId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class Hypothesis(BaseModel):
    """'We believe that ACTION with at least N of GROUP results in at least X % OUTCOME within TIME.'"""

    model_config = ConfigDict(extra="forbid")

    action: LongText | None = None
    group: ShortText | None = None
    group_size: Annotated[NonNegativeInt32, Field(ge=1, le=10_000_000)] | None = None
    outcome: ShortText | None = None
    outcome_percent: Number | None = Field(default=None, ge=-1000, le=1000)
    time_frame: ShortText | None = None


class PilotFields(BaseModel):
    """Fields a pilot owner writes (all optional: a PATCH changes only what it sends)."""

    model_config = ConfigDict(extra="forbid")

    need: Nullable[LongText] = None
    description: Nullable[LongText] = None
    sectors: list[SectorCode] | None = Field(default=None, max_length=20)
    customer_groups: list[ShortText] | None = Field(default=None, max_length=30)
    customer_involvement_method: Nullable[LongText] = None
    customers_involved: Nullable[Annotated[NonNegativeInt32, Field(le=10_000_000)]] = None
    start_date: Nullable[StrictDate] = None
    end_date: Nullable[StrictDate] = None
    riskiest_assumption: Nullable[LongText] = None
    hypothesis: Nullable[Hypothesis] = Field(default=None, description="null clears the whole hypothesis")
    what_happened: Nullable[LongText] = None
    conclusion: Nullable[LongText] = None
    next_step: Nullable[LongText] = None
    success_rating: Nullable[Annotated[NonNegativeInt32, Field(ge=1, le=10)]] = Field(
        default=None, description="1-10"
    )
    traffic_lights: dict[Criterion, Light] | None = Field(
        default=None, max_length=30, description="Traffic lights per evaluation criterion, set by the team"
    )


class PilotCreate(PilotFields):
    """A new pilot (stage idea)."""

    title: ShortText
    owner_id: PersonId | None = Field(
        default=None,
        description="Person id (participants service, checked); a pilot_owner creates for itself",
    )


class PilotUpdate(PatchModel, PilotFields):
    """A change of a pilot: only the sent fields change; null clears a field that may be empty
    (not title, owner_id, sectors, customer_groups or traffic_lights: send [] or {})."""

    title: ShortText | None = None
    owner_id: PersonId | None = Field(default=None, description="Person id (participants service, checked)")
    change_reason: Reason | None = Field(
        default=None, description="Needed to change what was tested (hypothesis) once the pilot runs"
    )


class SectorRef(BaseModel):
    code: str
    name_fi: str
    name_en: str


class HypothesisPublic(BaseModel):
    """The hypothesis as written (person-written text is personal data: hidden from steering)."""

    action: str | None = PersonalField()
    group: str | None = None
    group_size: int | None = None
    outcome: str | None = None
    outcome_percent: Number | None = None
    time_frame: str | None = None
    statement: str | None = PersonalField()


class PilotSummary(BaseModel):
    """A pilot in a list."""

    id: str
    project_code: str
    title: str
    stage: Stage
    owner_id: str | None = PersonalField(description="The owner's person id")
    sectors: list[str]
    success_rating: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    version: int
    href: str


class PilotList(BaseModel):
    """One page of a project's pilots, as of a day if asked."""

    items: list[PilotSummary]
    limit: int
    offset: int | None = None
    total: int | None = None
    next_offset: int | None = None
    next_cursor: str | None = None
    as_of: dt.date | None = Field(default=None, description="The day the stages describe (null: today)")


class PilotTitle(BaseModel):
    """What finance needs to book a cost to a pilot: id, title and project, nothing else."""

    id: str
    title: str
    project_code: str


class PilotPublic(BaseModel):
    """A pilot with its canvas, sectors, indicators (with traffic lights) and latest decision."""

    id: str
    project_code: str
    title: str
    need: str | None = PersonalField()
    description: str | None = PersonalField()
    owner_id: str | None = PersonalField(description="The owner's person id")
    sectors: list[SectorRef]
    customer_groups: list[str]
    customer_involvement_method: str | None = PersonalField()
    customers_involved: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    riskiest_assumption: str | None = PersonalField()
    hypothesis: HypothesisPublic
    what_happened: str | None = PersonalField()
    conclusion: str | None = PersonalField()
    next_step: str | None = PersonalField()
    success_rating: int | None = Field(
        description="The pilot's success, 1-10 (set with the evaluation decision)"
    )
    traffic_lights: dict[str, Light] = Field(
        description="Traffic lights per evaluation criterion, set by the team"
    )
    stage: Stage
    frozen: bool = Field(description="What was tested is frozen: changes need change_reason")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    indicators: list[IndicatorPublic] = []
    traffic_light_rule: str = Field(
        description="How each indicator's traffic light follows from its progress"
    )
    latest_decision: GateDecisionPublic | None = None
    establishment_ids: list[str] = []
    as_of: dt.date | None = Field(default=None, description="The day stage, indicators and decision describe")
    as_of_note: str | None = None
    href: str


class PilotRelation(BaseModel):
    """The caller's relation to one pilot (for other services' rules; no personal data)."""

    pilot_id: str
    project_code: str
    stage: Stage
    is_owner: bool = Field(description="The pilot names the caller as its owner")
    is_champion: bool = Field(description="The caller is an active champion of the pilot (participants)")
    may_read: bool
    may_edit: bool


class MyPilot(PilotSummary):
    """A pilot the caller owns or follows as a champion."""

    relation: Literal["owner", "champion"]
