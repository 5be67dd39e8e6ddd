"""Champions (kellokkaat), their pilot enrolments, coaching events and attendance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from participants.db import Base
from participants.models.types import Hours, new_id, utcnow


class Champion(Base, table=True):
    """A person enrolled as a champion (kellokas) in a project (by project code)."""

    __tablename__ = "champion"
    __table_args__ = (UniqueConstraint("person_id", "project_code"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36, index=True)
    project_code: str = Field(max_length=40, index=True)
    role: str = Field(default="champion", max_length=120)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]


class ChampionPilot(Base, table=True):
    """A champion's enrolment in one pilot (kokeilu); the pilot id is the pilots service's opaque id."""

    __tablename__ = "champion_pilot"
    __table_args__ = (UniqueConstraint("champion_id", "pilot_id"),)

    id: int | None = Field(default=None, primary_key=True)
    champion_id: str = Field(foreign_key="champion.id", max_length=36, index=True)
    pilot_id: str = Field(max_length=64, index=True)
    role: str = Field(default="champion", max_length=120)
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class CoachingEvent(Base, table=True):
    """Renewal support: coaching, a workshop, foresight (ennakointi) or peer learning."""

    __tablename__ = "coaching_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_code: str = Field(max_length=40, index=True)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=300)
    date: dt.date
    hours: Decimal = Field(sa_type=Hours)  # type: ignore[call-overload]
    provider_org: str | None = Field(default=None, max_length=200)
    provider_business_id: str | None = Field(default=None, max_length=20)
    pilot_id: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]


class CoachingAttendance(Base, table=True):
    """A person's attendance at a coaching event (hours default to the event's)."""

    __tablename__ = "coaching_attendance"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="coaching_event.id", max_length=36, index=True)
    person_id: str = Field(foreign_key="person.id", max_length=36, index=True)
    hours: Decimal | None = Field(default=None, sa_type=Hours)  # type: ignore[call-overload]
