"""Indicators (mittarit) of a pilot and their measurements over time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from pilots.db import Base
from pilots.models.types import new_id, utcnow


class Indicator(Base, table=True):
    """An indicator with baseline, target and which direction is better.

    Baseline and target are text: a decimal number for numeric indicators, free text otherwise.
    """

    __tablename__ = "indicator"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", max_length=36, index=True)
    kind_code: str = Field(foreign_key="indicator_kind.code", max_length=40)
    name: str = Field(max_length=300)
    unit: str = Field(max_length=60)
    calculation: str | None = Field(default=None, sa_type=Text)
    numeric: bool = True
    survey_based: bool = False
    direction: str = Field(default="higher", max_length=10)
    baseline: str | None = Field(default=None, max_length=200)
    target: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]


class Measurement(Base, table=True):
    """One measured value of an indicator (mittaustulos), with its source and respondents."""

    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("pilot_id", "external_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", max_length=36, index=True)
    indicator_id: str = Field(foreign_key="indicator.id", max_length=36, index=True)
    measured_on: dt.date
    value: str = Field(max_length=200, description="decimal text for numeric indicators")
    source: str | None = Field(default=None, max_length=300)
    respondents: int | None = None
    narrative: str | None = Field(default=None, sa_type=Text)
    external_id: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
