"""Timeline posts of a pilot and establishment records (vakiinnuttaminen)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from hanke_libs.etag import versioned_mapper_args
from pilots.db import Base
from pilots.models.types import new_id, utcnow


class TimelinePost(Base, table=True):
    """A dated progress post on a pilot's timeline, with links."""

    __tablename__ = "timeline_post"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", max_length=36, index=True)
    author_id: str = Field(max_length=200)
    posted_on: dt.date
    text: str = Field(sa_type=Text)
    links: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]


class Establishment(Base, table=True):
    """A practice that came from one or more pilots and where it now lives."""

    __tablename__ = "establishment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_code: str = Field(foreign_key="project.code", max_length=40, index=True)
    practice: str = Field(max_length=300)
    description: str | None = Field(default=None, sa_type=Text)
    anchor_kind: str = Field(max_length=30, description="body, guideline, strategic_position, org_structure")
    anchor_name: str = Field(max_length=300)
    decision_date: dt.date | None = None
    decision_reference: str | None = Field(default=None, max_length=300)
    status: str = Field(default="proposed", max_length=20)
    version: int = 1
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned_mapper_args(cls)


class EstablishmentPilot(Base, table=True):
    """A pilot an established practice came from."""

    __tablename__ = "establishment_pilot"

    establishment_id: str = Field(foreign_key="establishment.id", primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", primary_key=True, max_length=36, index=True)
