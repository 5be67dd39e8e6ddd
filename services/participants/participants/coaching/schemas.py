"""API models of coaching events, attendance and totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hanke_libs.inputs import SingleLineText, StrictDate
from participants.schemas import HoursStr, PilotId, ProjectCode


class CoachingKind(StrEnum):
    coaching = "coaching"
    workshop = "workshop"
    foresight = "foresight"
    peer_learning = "peer_learning"


class CoachingEventCreate(BaseModel):
    project_code: ProjectCode
    kind: CoachingKind
    title: Annotated[SingleLineText, Field(min_length=1, max_length=300)]
    date: StrictDate
    hours: Decimal = Field(gt=0, le=1000, decimal_places=2)
    provider_org: Annotated[SingleLineText, Field(max_length=200)] | None = None
    provider_business_id: Annotated[SingleLineText, Field(max_length=20)] | None = None
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


class AttendanceAdded(BaseModel):
    added: int = Field(
        description="How many attendees were added (those already marked are left as they are)"
    )


class CoachingTotal(BaseModel):
    """Coaching received by one group; null figures when suppressed (fewer than 10 people, or to protect one)."""

    key: str
    label: str | None
    people: int | None = Field(default=None, description="Distinct people coached")
    events: int | None
    attendances: int | None
    hours: HoursStr | None
    suppressed: bool = False


class CoachingTotals(BaseModel):
    project_code: str
    by: str
    as_of: dt.date | None = None
    min_group_size: int
    total: CoachingTotal | None = Field(default=None, description="The whole project (null when by=champion)")
    groups: list[CoachingTotal]
