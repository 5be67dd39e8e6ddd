"""API models of the participants service (never table models)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

HoursStr = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]


class PersonPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    user_name: str
    external_id: str | None
    employee_number: str | None
    given_name: str | None
    family_name: str | None
    display_name: str | None
    email: str | None
    title: str | None
    org_unit_id: str | None
    cost_centre: str | None
    personnel_category: str | None
    manager_id: str | None
    employment_start: dt.date | None
    employment_end: dt.date | None
    active: bool
    pseudonymised: bool
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SectorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class OrgUnitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    parent_id: str | None
    sector_id: int | None
    manager_person_id: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class CoachingKind(StrEnum):
    coaching = "coaching"
    workshop = "workshop"
    foresight = "foresight"
    peer_learning = "peer_learning"


ProjectCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]
PilotId = Annotated[str, Field(min_length=1, max_length=64)]


class PilotEnrolment(BaseModel):
    pilot_id: PilotId
    role: str = Field(default="champion", min_length=1, max_length=120)
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ChampionCreate(BaseModel):
    person_id: str = Field(min_length=1, max_length=36)
    project_code: ProjectCode
    role: str = Field(default="champion", min_length=1, max_length=120)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    pilots: list[PilotEnrolment] = Field(default_factory=list, max_length=20)


class PilotEnrolmentPublic(PilotEnrolment):
    model_config = ConfigDict(from_attributes=True)


class ChampionPublic(BaseModel):
    id: str
    person_id: str
    display_name: str | None
    org_unit_id: str | None
    project_code: str
    role: str
    start_date: dt.date | None
    end_date: dt.date | None
    pilots: list[PilotEnrolmentPublic]


class PilotChampion(BaseModel):
    champion_id: str
    person_id: str
    display_name: str | None
    title: str | None
    org_unit_id: str | None
    role: str
    start_date: dt.date | None
    end_date: dt.date | None


class PilotChampions(BaseModel):
    pilot_id: str
    count: int
    champions: list[PilotChampion] | None = Field(
        default=None,
        description="Names only for pilot_owner, project_manager and admin; steering sees the count",
    )


class CoachingEventCreate(BaseModel):
    project_code: ProjectCode
    kind: CoachingKind
    title: str = Field(min_length=1, max_length=300)
    date: dt.date
    hours: Decimal = Field(gt=0, le=1000, decimal_places=2)
    provider_org: str | None = Field(default=None, max_length=200)
    provider_business_id: str | None = Field(default=None, max_length=20)
    pilot_id: PilotId | None = None


class CoachingEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_code: str
    kind: CoachingKind
    title: str
    date: dt.date
    hours: HoursStr
    provider_org: str | None
    provider_business_id: str | None
    pilot_id: str | None
    attendees: int = 0


class AttendanceCreate(BaseModel):
    person_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(min_length=1, max_length=500)
    hours: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2)


class CoachingTotal(BaseModel):
    key: str
    label: str | None
    events: int
    attendances: int
    hours: HoursStr


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
    name: str = Field(min_length=1, max_length=120)
    kind: RoundKind
    opens_on: dt.date
    closes_on: dt.date | None = None


class RoundPublic(BaseModel):
    id: int
    framework_code: str
    project_code: str
    name: str
    kind: RoundKind
    opens_on: dt.date
    closes_on: dt.date | None


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
    mean: float | None = Field(description="null when suppressed")
    areas: dict[str, float] | None = None
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


class ChampionsBySector(BaseModel):
    sector: str
    champions: int
    coaching_hours: HoursStr


class CompetenceRow(BaseModel):
    framework: str
    sector: str
    round: str
    respondents: int | None
    mean: float | None
    suppressed: bool


class CompetenceChangeRow(BaseModel):
    framework: str
    sector: str
    baseline_round: str | None
    latest_round: str | None
    baseline_mean: float | None
    latest_mean: float | None
    change: float | None
    suppressed: bool


class MaturityRow(BaseModel):
    framework: str
    sector: str
    round: str
    units: int | None
    mean: float | None


class Situation(BaseModel):
    """The situational picture (tilannekuva) of a project: aggregates only, no personal data."""

    project_code: str
    as_of: dt.date | None = Field(
        default=None, description="The day the figures are as of; null: everything recorded up to now"
    )
    champions_by_sector: list[ChampionsBySector]
    competence: list[CompetenceRow]
    competence_change: list[CompetenceChangeRow]
    maturity_by_sector: list[MaturityRow]
    small_group_rule: str


class MyCoachingEvent(BaseModel):
    id: str
    project_code: str
    kind: CoachingKind
    title: str
    date: dt.date
    hours: HoursStr
    provider_org: str | None


class MyCoaching(BaseModel):
    events: list[MyCoachingEvent]
    total_hours: HoursStr


class MyAnswer(BaseModel):
    round_id: int
    round: str
    framework_code: str
    item_code: str
    value: int


class Me(BaseModel):
    """The caller's own data."""

    person: PersonPublic
    champion_enrolments: list[ChampionPublic]
    coaching: MyCoaching
    answers: list[MyAnswer]
