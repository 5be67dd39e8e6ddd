"""Assessment frameworks as data (framework -> areas -> items, a scale), rounds and answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from participants.db import Base
from participants.models.types import utcnow


class Framework(Base, table=True):
    """A competence meter (osaamispuntari) or a maturity model (kypsyystasomalli)."""

    __tablename__ = "framework"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, description="competence | maturity")
    subject: str = Field(max_length=20, description="person | org_unit: who is assessed")
    scale_min: int
    scale_max: int
    level_labels: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    description: str | None = Field(default=None, max_length=1000)


class FrameworkArea(Base, table=True):
    __tablename__ = "framework_area"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", index=True)
    code: str = Field(max_length=20)
    name: str = Field(max_length=200)
    position: int = 0


class FrameworkItem(Base, table=True):
    __tablename__ = "framework_item"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", index=True)
    area_id: int = Field(foreign_key="framework_area.id", index=True)
    code: str = Field(max_length=20)
    name: str = Field(max_length=300)
    position: int = 0


class AssessmentRound(Base, table=True):
    """A round of a framework in a project: baseline, interim or final, with dates."""

    __tablename__ = "assessment_round"
    __table_args__ = (UniqueConstraint("framework_id", "project_code", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", index=True)
    project_code: str = Field(max_length=40, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20, description="baseline | interim | final")
    opens_on: dt.date
    closes_on: dt.date | None = None
    closed_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)  # type: ignore[call-overload]
    reopened_until: dt.date | None = Field(default=None, description="answers taken again until this day")
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Answer(Base, table=True):
    """One answer: a person's (competence) or an org unit's (maturity) level on one item.

    ``org_unit_id`` is the unit at the time of answering, so aggregates stay stable when people move.
    """

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("round_id", "item_id", "person_id", "org_unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="assessment_round.id", index=True)
    item_id: int = Field(foreign_key="framework_item.id")
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36, index=True)
    org_unit_id: str | None = Field(default=None, foreign_key="org_unit.id", max_length=36, index=True)
    value: int
    answered_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
