"""Pilots (kokeilut), their sectors, stage history and recorded changes of frozen fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from hanke_libs.etag import versioned_mapper_args
from pilots.db import Base
from pilots.models.types import DecimalText, new_id, utcnow


class Pilot(Base, table=True):
    """A multi-sector service pilot with its experiment canvas."""

    __tablename__ = "pilot"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_code: str = Field(foreign_key="project.code", max_length=40, index=True)
    title: str = Field(max_length=300)
    need: str | None = Field(default=None, sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    owner_id: str = Field(max_length=120, index=True)
    customer_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    customer_involvement_method: str | None = Field(default=None, sa_type=Text)
    customers_involved: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    riskiest_assumption: str | None = Field(default=None, sa_type=Text)
    hypothesis_action: str | None = Field(default=None, sa_type=Text)
    hypothesis_group: str | None = Field(default=None, max_length=300)
    hypothesis_group_size: int | None = None
    hypothesis_outcome: str | None = Field(default=None, max_length=500)
    hypothesis_outcome_percent: Decimal | None = Field(default=None, sa_type=DecimalText)
    hypothesis_time_frame: str | None = Field(default=None, max_length=200)
    what_happened: str | None = Field(default=None, sa_type=Text)
    conclusion: str | None = Field(default=None, sa_type=Text)
    next_step: str | None = Field(default=None, sa_type=Text)
    success_rating: int | None = None
    traffic_lights: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    stage: str = Field(default="idea", max_length=20, index=True)
    version: int = 1
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned_mapper_args(cls)


class PilotSector(Base, table=True):
    """A sector a pilot cuts across (kept even after the sector itself ends)."""

    __tablename__ = "pilot_sector"

    pilot_id: str = Field(foreign_key="pilot.id", primary_key=True, max_length=36)
    sector_code: str = Field(foreign_key="sector.code", primary_key=True, max_length=80)


class StageChange(Base, table=True):
    """One move in a pilot's lifecycle: from, to, who, when and why."""

    __tablename__ = "stage_change"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", max_length=36, index=True)
    from_stage: str | None = Field(default=None, max_length=20)
    to_stage: str = Field(max_length=20)
    kind: str = Field(max_length=20, description="created, forward, back, late_entry, discontinue, decision")
    actor: str = Field(max_length=200)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    effective_on: dt.date = Field(
        index=True, description="The day the stage took effect (as-of reads use it)"
    )
    reason: str | None = Field(default=None, sa_type=Text)
    decision_id: str | None = Field(default=None, foreign_key="gate_decision.id", max_length=36)


class FrozenChange(Base, table=True):
    """A change of a field that defines what was tested, made after the pilot started running."""

    __tablename__ = "frozen_change"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", max_length=36, index=True)
    entity: str = Field(max_length=60, description="pilot or indicator:<id>")
    field: str = Field(max_length=80)
    old_value: str | None = Field(default=None, sa_type=Text)
    new_value: str | None = Field(default=None, sa_type=Text)
    reason: str = Field(sa_type=Text)
    actor: str = Field(max_length=200)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
