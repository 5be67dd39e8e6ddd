"""API model of the situational picture: aggregates only, no personal data."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from participants.schemas import HoursStr


class ChampionsBySector(BaseModel):
    sector: str
    champions: int = Field(description="Champions enrolled (a project role, not an attribute of a person)")
    coaching_hours: HoursStr | None = Field(
        description="Coaching hours of the sector's people; null under the small-group rule"
    )


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
