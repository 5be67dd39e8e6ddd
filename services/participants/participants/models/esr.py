"""ESR participant data: one participation per person per project, snapshots at entry and exit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from participants.db import Base
from participants.models.types import new_id


class EsrParticipation(Base, table=True):
    __tablename__ = "esr_participation"
    __table_args__ = (UniqueConstraint("person_id", "project_code"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36, index=True)
    project_code: str = Field(max_length=40, index=True)
    entry_date: dt.date
    exit_date: dt.date | None = None


class EsrSnapshot(Base, table=True):
    """The participant's situation at entry or exit (gender, age group, labour-market status, ISCED)."""

    __tablename__ = "esr_snapshot"
    __table_args__ = (UniqueConstraint("participation_id", "moment"),)

    id: int | None = Field(default=None, primary_key=True)
    participation_id: str = Field(foreign_key="esr_participation.id", max_length=36, index=True)
    moment: str = Field(max_length=10, description="entry | exit")
    gender: str = Field(max_length=20)
    age_group: str = Field(max_length=20)
    labour_status: str = Field(max_length=40)
    isced: str = Field(max_length=10)


class EsrSensitiveFlags(Base, table=True):
    """Sensitive ESR flags, kept apart so their access can be controlled separately."""

    __tablename__ = "esr_sensitive_flags"

    participation_id: str = Field(foreign_key="esr_participation.id", primary_key=True, max_length=36)
    migrant_background: bool | None = None
    disability: bool | None = None
    other_disadvantage: bool | None = None
