"""API models of the reference data: projects, sectors, indicator kinds."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$"),
    ]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    period_start: dt.date
    period_end: dt.date

    @model_validator(mode="after")
    def _period(self) -> ProjectCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class ProjectPublic(BaseModel):
    code: str
    name: str
    period_start: dt.date
    period_end: dt.date
    pilots: int


class SectorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name_fi: Name
    name_en: Name
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _validity(self) -> SectorCreate:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class SectorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_fi: Name | None = None
    name_en: Name | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class SectorPublic(BaseModel):
    code: str
    name_fi: str
    name_en: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class IndicatorKindPublic(BaseModel):
    code: str
    name_fi: str
    name_en: str
