"""API models of indicators and measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from hanke_libs.inputs import NonNegativeInt32, Nullable, PatchModel, StrictDate
from hanke_libs.paging import Page
from hanke_libs.personal import PersonalField
from pilots.types import Direction, Label, Light, LongText, Number, Reason, ShortText

Value = Annotated[Decimal | str, Field(union_mode="left_to_right")]
"""A JSON number (or a numeric string) for numeric indicators; text for the others."""
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
KindCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class IndicatorCreate(BaseModel):
    """A new indicator of a pilot."""

    model_config = ConfigDict(extra="forbid")

    kind: KindCode
    name: ShortText
    unit: Unit
    calculation: LongText | None = None
    numeric: StrictBool = True
    survey_based: StrictBool = False
    direction: Direction = Direction.HIGHER
    baseline: Value | None = None
    target: Value | None = None


class IndicatorUpdate(PatchModel):
    """A change of an indicator (only the sent fields; null clears calculation, baseline or target)."""

    kind: KindCode | None = None
    name: ShortText | None = None
    unit: Unit | None = None
    calculation: Nullable[LongText] = None
    numeric: StrictBool | None = None
    survey_based: StrictBool | None = None
    direction: Direction | None = None
    baseline: Nullable[Value] = None
    target: Nullable[Value] = None
    change_reason: Reason | None = Field(
        default=None, description="Needed to change baseline, target or direction once the pilot runs"
    )


class MeasurementCreate(BaseModel):
    """One measured value of one of the pilot's indicators."""

    model_config = ConfigDict(extra="forbid")

    indicator_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]
    measured_on: StrictDate
    value: Value
    source: Label | None = None
    respondents: Annotated[NonNegativeInt32, Field(le=10_000_000)] | None = None
    narrative: Annotated[LongText, StringConstraints(max_length=2000)] | None = None
    external_id: ExternalId | None = Field(
        default=None, description="Id in the source system; defaults to the measurement's own id"
    )


class MeasurementPublic(BaseModel):
    """A measurement as the caller may see it."""

    id: str
    indicator_id: str
    measured_on: dt.date
    value: Number | str
    source: str | None
    respondents: int | None
    narrative: str | None = PersonalField(description="What the measurer wrote about it")
    external_id: str | None
    href: str


class IndicatorPublic(BaseModel):
    """An indicator with its latest visible value, progress and traffic light."""

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
    traffic_light: Light | None = Field(
        default=None, description="From progress_percent (traffic_light_rule)"
    )
    measurement_count: int = 0
    hidden_measurements: int = Field(
        default=0, description="Survey values from fewer than 10 respondents, not shown to this caller"
    )
    href: str


class IndicatorPage(Page[IndicatorPublic]):
    """The pilot's indicators, with the rules their figures follow."""

    progress_formula: str
    small_sample_rule: str
    traffic_light_rule: str
    traffic_light_thresholds: dict[str, float]
    as_of: dt.date | None = None


class MeasurementImportReport(BaseModel):
    """What an import did (or would do, in a dry run)."""

    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, object]] = []
