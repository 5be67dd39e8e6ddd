"""Reports: a draft (kind, as-of date, narrative sections) and its frozen, numbered versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from reports.db import Base
from reports.models.types import optimistic_version, utcnow


class Report(Base, table=True):
    """A report being written: what it reports on and as of which day. Its figures are live until a
    version is frozen; ``last_number`` allocates version numbers (one conditional update each)."""

    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    project_code: str = Field(max_length=40, index=True)
    kind: str = Field(max_length=30)
    title: str = Field(max_length=300)
    as_of: dt.date
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    claim_number: int | None = None
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id", index=True)
    last_number: int = 0
    version: int = 1
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return optimistic_version(cls)


class NarrativeSection(Base, table=True):
    """Text people write into a report: per goal of the work packages, per pilot, a summary."""

    __tablename__ = "narrative_section"

    report_id: int = Field(foreign_key="report.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=80)
    title: str | None = Field(default=None, max_length=300)
    text: str = Field(sa_type=Text)
    updated_by: str = Field(max_length=200)
    version: int = 1
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return optimistic_version(cls)


class ReportVersion(Base, table=True):
    """A frozen version: the whole data snapshot and narrative as canonical JSON text, never changed
    (the database refuses UPDATE and DELETE of these rows)."""

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    number: int
    as_of: dt.date
    frozen_by: str = Field(max_length=200)
    frozen_at: dt.datetime = Field(sa_type=UtcDateTime)  # type: ignore[call-overload]
    note: str | None = Field(default=None, max_length=2000)
    snapshot: str = Field(sa_type=Text)
    snapshot_sha256: str = Field(max_length=64)
