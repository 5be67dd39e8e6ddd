"""Sectors (toimialat), org units (organisaatioyksiköt), people from HR, and the person read log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from participants.db import Base
from participants.models.types import new_id, utcnow


class Sector(Base, table=True):
    """An administrative sector (toimiala / palvelualue): data with validity dates, never an enum."""

    __tablename__ = "sector"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class OrgUnit(Base, table=True):
    """An org unit (organisaatioyksikkö) in a hierarchy; also a SCIM Group."""

    __tablename__ = "org_unit"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    code: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    parent_id: str | None = Field(default=None, foreign_key="org_unit.id", max_length=36, index=True)
    sector_id: int | None = Field(default=None, foreign_key="sector.id", index=True)
    manager_person_id: str | None = Field(default=None, max_length=36)
    manager_employee_number: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    version: int = 1


class Person(Base, table=True):
    """A member of staff, provisioned by SCIM or the HR export. No personal identity code is stored."""

    __tablename__ = "person"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_name: str = Field(max_length=200)
    user_name_key: str = Field(max_length=200, unique=True, description="lower-cased user_name")
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    employee_number: str | None = Field(default=None, max_length=40, unique=True)
    given_name: str | None = Field(default=None, max_length=200)
    family_name: str | None = Field(default=None, max_length=200)
    display_name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320, index=True)
    title: str | None = Field(default=None, max_length=200)
    org_unit_id: str | None = Field(default=None, foreign_key="org_unit.id", max_length=36, index=True)
    cost_centre: str | None = Field(default=None, max_length=40)
    personnel_category: str | None = Field(default=None, max_length=120)
    organization: str | None = Field(default=None, max_length=200)
    division: str | None = Field(default=None, max_length=200)
    department: str | None = Field(default=None, max_length=200)
    manager_id: str | None = Field(default=None, max_length=36)
    manager_employee_number: str | None = Field(default=None, max_length=40)
    employment_start: dt.date | None = None
    employment_end: dt.date | None = None
    active: bool = True
    pseudonymised: bool = False
    source: str = Field(default="scim", max_length=20)
    hr_row_hash: str | None = Field(
        default=None, max_length=40, description="fingerprint of the HR row last imported"
    )
    scim_extra: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    version: int = 1


class PersonReadLog(Base, table=True):
    """Who read whose personal data, when (Information Management Act 906/2019 § 17)."""

    __tablename__ = "person_read_log"
    __table_args__ = (Index("ix_person_read_log_person_id_at", "person_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    reader: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    reader_roles: str = Field(default="", max_length=200)
    person_id: str = Field(max_length=36)
    purpose: str = Field(max_length=120)
