"""Reference data: projects, administrative sectors (hallintoalat) and indicator kinds."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from pilots.db import Base


class Project(Base, table=True):
    """The minimal project reference (hanke) the pilots belong to: code and period."""

    __tablename__ = "project"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=300)
    period_start: dt.date
    period_end: dt.date


class Sector(Base, table=True):
    """An administrative sector (hallintoala / palvelualue): configurable data with validity dates."""

    __tablename__ = "sector"

    code: str = Field(primary_key=True, max_length=80)
    name_fi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class IndicatorKind(Base, table=True):
    """A kind of indicator (mittarityyppi): impact, well-being at work, productivity, ..."""

    __tablename__ = "indicator_kind"

    code: str = Field(primary_key=True, max_length=40)
    name_fi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    sort_order: int = 0
