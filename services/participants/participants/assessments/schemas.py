"""API models of assessment frameworks, rounds, answers and aggregates."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from hanke_libs.inputs import MultiLineText, SingleLineText, StrictDate
from participants.schemas import ProjectCode


class RoundKind(StrEnum):
    baseline = "baseline"
    interim = "interim"
    final = "final"


class FrameworkItemPublic(BaseModel):
    code: str
    name: str


class FrameworkAreaPublic(BaseModel):
    code: str
    name: str
    items: list[FrameworkItemPublic]


class FrameworkPublic(BaseModel):
    """A framework (competence meter or maturity model) with its areas and items."""

    code: str
    name: str
    kind: str
    subject: str
    scale_min: int
    scale_max: int
    level_labels: dict[str, str]
    description: str | None = None
    areas: list[FrameworkAreaPublic] = Field(default_factory=list)


class RoundCreate(BaseModel):
    framework_code: str = Field(min_length=1, max_length=60)
    project_code: ProjectCode
    name: Annotated[SingleLineText, Field(min_length=1, max_length=120)]
    kind: RoundKind
    opens_on: StrictDate
    closes_on: StrictDate | None = None

    @model_validator(mode="after")
    def _dates(self) -> RoundCreate:
        if self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on is before opens_on")
        return self


class RoundState(StrEnum):
    upcoming = "upcoming"
    open = "open"
    reopened = "reopened"
    closed = "closed"


class RoundPublic(BaseModel):
    """An assessment round; its figures are published once it is closed."""

    id: int
    framework_code: str
    project_code: str
    name: str
    kind: RoundKind
    opens_on: dt.date
    closes_on: dt.date | None
    state: RoundState = Field(description="upcoming, open, reopened (answers taken again) or closed")
    closed_at: dt.datetime | None = None
    reopened_until: dt.date | None = None


class RoundReopen(BaseModel):
    """Take answers again until ``until`` (a late paper survey, a correction); recorded in the audit."""

    reason: Annotated[MultiLineText, Field(min_length=3, max_length=500)]
    until: StrictDate


class RoundClose(BaseModel):
    reason: Annotated[MultiLineText, Field(max_length=500)] | None = None


class AnswerIn(BaseModel):
    item_code: str = Field(min_length=1, max_length=20)
    value: int = Field(ge=-1000, le=1000)


class AnswersCreate(BaseModel):
    person_id: str | None = Field(
        default=None, max_length=36, description="Competence: whose answers (default: the caller)"
    )
    org_unit_id: str | None = Field(
        default=None, max_length=36, description="Maturity: which org unit is assessed"
    )
    answers: list[AnswerIn] = Field(min_length=1, max_length=200)


class AnswersSaved(BaseModel):
    round_id: int
    saved: int


class GroupAggregate(BaseModel):
    group: str = Field(description="org unit code, sector code or 'all'")
    name: str | None = None
    respondents: int | None = Field(description="null when suppressed")
    mean: float | None = Field(
        description="the mean of the group's area means; null when suppressed or when an area is suppressed"
    )
    areas: dict[str, float] | None = Field(
        default=None, description="area code -> mean of respondents' area scores"
    )
    suppressed_areas: list[str] = Field(
        default_factory=list,
        description="areas answered by too few in the group (or hidden to protect another)",
    )
    suppressed: bool
    folded_into: str | None = Field(
        default=None, description="the parent unit whose figures include this group"
    )
    includes: list[str] = Field(default_factory=list, description="smaller units folded into this one")


class RoundAggregates(BaseModel):
    round_id: int
    round: str
    framework_code: str
    by: str
    min_group_size: int
    groups: list[GroupAggregate]


class ChangeRow(BaseModel):
    group: str
    baseline_round: str | None
    latest_round: str | None
    baseline_mean: float | None
    latest_mean: float | None
    change: float | None
    suppressed: bool
