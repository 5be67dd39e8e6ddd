"""API models of indicators and measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pilots.schemas.common import Direction, LongText, Number, Reason, ShortText

Value = Annotated[Decimal | str, Field(union_mode="left_to_right")]
"""A JSON number (or a numeric string) for numeric indicators; text for the others."""
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class IndicatorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    name: ShortText
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    calculation: LongText | None = None
    numeric: bool = True
    survey_based: bool = False
    direction: Direction = Direction.HIGHER
    baseline: Value | None = None
    target: Value | None = None


class IndicatorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None
    name: ShortText | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = None
    calculation: LongText | None = None
    numeric: bool | None = None
    survey_based: bool | None = None
    direction: Direction | None = None
    baseline: Value | None = None
    target: Value | None = None
    change_reason: Reason | None = Field(
        default=None, description="Needed to change baseline, target or direction once the pilot runs"
    )


class MeasurementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]
    measured_on: dt.date
    value: Value
    source: ShortText | None = None
    respondents: int | None = Field(default=None, ge=0, le=10_000_000)
    narrative: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    external_id: ExternalId | None = Field(
        default=None, description="Id in the source system; defaults to the measurement's own id"
    )


class MeasurementPublic(BaseModel):
    id: str
    indicator_id: str
    measured_on: dt.date
    value: Number | str
    source: str | None
    respondents: int | None
    narrative: str | None
    external_id: str | None


class IndicatorPublic(BaseModel):
    id: str
    pilot_id: str
    kind: str
    name: str
    unit: str
    calculation: str | None
    numeric: bool
    survey_based: bool
    direction: Direction
    baseline: Number | str | None
    target: Number | str | None
    locked: bool = Field(description="Unit and calculation are locked: measurements exist")
    latest: MeasurementPublic | None = None
    progress_percent: Number | None = Field(
        default=None, description="(latest - baseline) / (target - baseline) x 100, one decimal, unclamped"
    )
    measurement_count: int = 0
    hidden_measurements: int = Field(
        default=0, description="Survey values from fewer than 10 respondents, not shown to this caller"
    )


class IndicatorList(BaseModel):
    items: list[IndicatorPublic]
    limit: int
    offset: int
    total: int
    next_offset: int | None
    progress_formula: str
    small_sample_rule: str


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, object]] = []
