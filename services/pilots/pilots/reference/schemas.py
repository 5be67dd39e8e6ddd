"""API models of the reference data: projects, sectors, indicator kinds."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from hanke_libs.inputs import Nullable, PatchModel, SingleLineText, StrictDate

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
]
Name = Annotated[SingleLineText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ProjectCreate(BaseModel):
    """A project reference the pilots belong to (code and period)."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$"),
    ]
    name: Annotated[SingleLineText, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    period_start: StrictDate
    period_end: StrictDate

    @model_validator(mode="after")
    def _period(self) -> ProjectCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class PilotProjectPublic(BaseModel):
    """A project as the pilots service knows it: code, name, period and how many pilots it has."""

    code: str
    name: str
    period_start: dt.date
    period_end: dt.date
    pilots: int
    href: str


class SectorCreate(BaseModel):
    """A new administrative sector (hallintoala)."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name_fi: Name
    name_en: Name
    valid_from: StrictDate | None = None
    valid_to: StrictDate | None = None

    @model_validator(mode="after")
    def _validity(self) -> SectorCreate:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class SectorUpdate(PatchModel):
    """A change of a sector's names or validity (null clears a validity date)."""

    name_fi: Name | None = None
    name_en: Name | None = None
    valid_from: Nullable[StrictDate] = None
    valid_to: Nullable[StrictDate] = None


class SectorPublic(BaseModel):
    """An administrative sector with its validity."""

    code: str
    name_fi: str
    name_en: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    href: str


class IndicatorKindPublic(BaseModel):
    """A kind of indicator (mittarityyppi)."""

    code: str
    name_fi: str
    name_en: str
