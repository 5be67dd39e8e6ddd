"""The reporting calendar of a project: its rules (data, set by the funding decision) and the
obligations generated from them (maksatushakemukset, seurantaraportit, väliarviointi, loppuraportti)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from reports.db import Base
from reports.models.types import optimistic_version, utcnow


class ReportingCalendar(Base, table=True):
    """The rules a project's obligations are generated from. The funding decision sets them, so they
    are data per project; ``sample_data`` marks values nobody has checked against the decision yet."""

    __tablename__ = "reporting_calendar"

    project_code: str = Field(primary_key=True, max_length=40)
    calendar_start: dt.date
    calendar_end: dt.date
    claim_period_months: int
    claim_due_days: int = Field(description="Days after a claim period's end its payment claim is due")
    monitoring_period_months: int
    monitoring_due_days: int
    interim_after_months: int = Field(description="The interim evaluation is due this long after the start")
    final_due_days: int = Field(description="Days after the calendar's end the final report is due")
    due_soon_days: int = 14
    responsible: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False),
        description="Default responsible role per obligation kind",
    )
    notify_to: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sample_data: bool = True
    source_note: str = Field(default="", sa_type=Text)
    feed_token_sha256: str | None = Field(default=None, max_length=64, index=True)
    version: int = 1
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return optimistic_version(cls)


class Obligation(Base, table=True):
    """One thing due: a payment claim of a period, a monitoring report, the interim evaluation or
    the final report. Generated from the calendar's rules; its extension and responsible person are
    kept when the rules change."""

    __tablename__ = "obligation"
    __table_args__ = (UniqueConstraint("project_code", "kind", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    project_code: str = Field(foreign_key="reporting_calendar.project_code", max_length=40, index=True)
    kind: str = Field(max_length=30)
    sequence: int
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    extended_to: dt.date | None = None
    extension_reason: str | None = Field(default=None, sa_type=Text)
    responsible_role: str = Field(default="", max_length=120)
    responsible_person_id: str | None = Field(default=None, max_length=120)
    version: int = 1
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return optimistic_version(cls)

    @property
    def effective_due(self) -> dt.date:
        return self.extended_to or self.due_date
