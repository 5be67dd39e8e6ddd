"""API models of timeline posts and establishment records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pilots.schemas.common import AnchorKind, EstablishmentStatus, LongText, ShortText

Link = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=r"^https?://\S+$")
]
PilotId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


class TimelinePostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    posted_on: dt.date | None = Field(default=None, description="Defaults to today")
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    links: list[Link] = Field(default_factory=list, max_length=20)


class TimelinePostPublic(BaseModel):
    id: str
    pilot_id: str
    author_id: str
    posted_on: dt.date
    text: str
    links: list[str]
    created_at: dt.datetime


class EstablishmentFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: LongText | None = None
    decision_date: dt.date | None = None
    decision_reference: ShortText | None = None


class EstablishmentCreate(EstablishmentFields):
    practice: ShortText
    anchor_kind: AnchorKind
    anchor_name: ShortText
    status: EstablishmentStatus = EstablishmentStatus.proposed
    pilot_ids: list[PilotId] = Field(min_length=1, max_length=20)


class EstablishmentUpdate(EstablishmentFields):
    practice: ShortText | None = None
    anchor_kind: AnchorKind | None = None
    anchor_name: ShortText | None = None
    status: EstablishmentStatus | None = None
    pilot_ids: list[PilotId] | None = Field(default=None, min_length=1, max_length=20)


class EstablishmentPublic(BaseModel):
    id: str
    project_code: str
    practice: str
    description: str | None
    anchor_kind: AnchorKind
    anchor_name: str
    decision_date: dt.date | None
    decision_reference: str | None
    status: EstablishmentStatus
    pilot_ids: list[str]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
