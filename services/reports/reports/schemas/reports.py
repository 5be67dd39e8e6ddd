"""API models of reports, narrative sections and frozen versions."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hanke_libs.inputs import Int32, MultiLineText, SingleLineText, StrictDate
from hanke_libs.personal import PersonalField

Title = Annotated[SingleLineText, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
SectionKey = Annotated[
    str, StringConstraints(pattern=r"^(summary|impact|goal:[1-4]|pilot:[A-Za-z0-9_.-]{1,64})$", max_length=80)
]


class ReportKind(StrEnum):
    interim_evaluation = "interim_evaluation"
    monitoring_report = "monitoring_report"
    final_report = "final_report"
    claim_cover = "claim_cover"


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ReportKind
    title: Title | None = None
    as_of: StrictDate | None = Field(default=None, description="Default: from the linked obligation")
    obligation_id: Annotated[Int32, Field(ge=1)] | None = Field(
        default=None, description="The calendar obligation it fulfils"
    )
    claim_number: Annotated[Int32, Field(ge=1)] | None = Field(
        default=None, description="The payment claim (claim cover only)"
    )


class NarrativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    text: Annotated[MultiLineText, StringConstraints(strip_whitespace=True, max_length=20_000)]


class NarrativePublic(BaseModel):
    key: str
    title: str | None
    text: str
    updated_by: str | None = PersonalField(description="Who last wrote the section")
    updated_at: dt.datetime
    version: int


class VersionSummary(BaseModel):
    number: int
    as_of: dt.date
    frozen_by: str | None = PersonalField(description="Who froze the version")
    frozen_at: dt.datetime
    note: str | None
    snapshot_sha256: str


class ReportPublic(BaseModel):
    id: int
    project_code: str
    kind: ReportKind
    title: str
    as_of: dt.date
    period_start: dt.date | None
    period_end: dt.date | None
    claim_number: int | None
    obligation_id: int | None
    version: int
    created_by: str | None = PersonalField(description="Who started the report")
    created_at: dt.datetime
    narrative: list[NarrativePublic]
    narrative_keys: list[str] = Field(
        description="Sections this report has room for (pilots: as of the last draft)"
    )
    versions: list[VersionSummary]
    links: dict[str, str]


class FreezeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[MultiLineText, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class VersionDiff(BaseModel):
    report_id: int
    a: int
    b: int
    as_of: dict[str, dt.date]
    changed: list[dict[str, Any]] = Field(description="Figures whose shown value differs: where, a, b")
    narrative: list[dict[str, Any]] = Field(description="Narrative sections whose text differs")
    sources_changed: list[str] = Field(description="Upstream answers that differ between the two")
