"""Decisions at a pilot's gates: approval, evaluation (scale up / adjust / park / stop), establishment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from pilots.db import Base
from pilots.models.types import new_id, utcnow


class GateDecision(Base, table=True):
    """Who decided what at which gate of a pilot, when, on what reference, with what evidence."""

    __tablename__ = "gate_decision"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", max_length=36, index=True)
    project_code: str = Field(foreign_key="project.code", max_length=40, index=True)
    gate: str = Field(max_length=20, description="approval, evaluation, establishment, withdrawal")
    outcome: str = Field(max_length=30)
    from_stage: str = Field(max_length=20)
    to_stage: str = Field(max_length=20)
    reasoning: str | None = Field(default=None, sa_type=Text)
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_on: dt.date = Field(index=True)
    reference: str | None = Field(default=None, max_length=300)
    decision_body: str = Field(max_length=30)
    decided_by: str = Field(max_length=200)
    success_rating: int | None = None
    establishment_id: str | None = Field(default=None, foreign_key="establishment.id", max_length=36)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
