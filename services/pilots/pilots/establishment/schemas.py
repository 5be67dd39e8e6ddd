"""API models of establishment records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hanke_libs.inputs import Nullable, PatchModel, StrictDate
from hanke_libs.personal import PersonalField
from pilots.types import AnchorKind, EstablishmentStatus, LongText, ShortText

PilotId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


class EstablishmentFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Nullable[LongText] = None
    decision_date: Nullable[StrictDate] = None
    decision_reference: Nullable[ShortText] = None


class EstablishmentCreate(EstablishmentFields):
    """A practice from one or more of the project's pilots and where it is to live."""

    practice: ShortText
    anchor_kind: AnchorKind
    anchor_name: ShortText
    status: EstablishmentStatus = EstablishmentStatus.proposed
    pilot_ids: list[PilotId] = Field(min_length=1, max_length=20)


class EstablishmentUpdate(PatchModel, EstablishmentFields):
    """A change of an establishment record (only the sent fields; null clears description or decision)."""

    practice: ShortText | None = None
    anchor_kind: AnchorKind | None = None
    anchor_name: ShortText | None = None
    status: EstablishmentStatus | None = None
    pilot_ids: list[PilotId] | None = Field(default=None, min_length=1, max_length=20)


class EstablishmentPublic(BaseModel):
    """An establishment record."""

    id: str
    project_code: str
    practice: str
    description: str | None = PersonalField(description="Person-written description")
    anchor_kind: AnchorKind
    anchor_name: str
    decision_date: dt.date | None
    decision_reference: str | None
    status: EstablishmentStatus
    pilot_ids: list[str]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    href: str
