"""API models of people, org units and sectors."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from hanke_libs.personal import PersonalField


class PersonPublic(BaseModel):
    """A member of staff as admin, project_manager or the person themself reads it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    user_name: str
    external_id: str | None
    employee_number: str | None
    given_name: str | None
    family_name: str | None
    display_name: str | None
    email: str | None
    title: str | None
    org_unit_id: str | None
    cost_centre: str | None
    personnel_category: str | None
    manager_id: str | None
    employment_start: dt.date | None
    employment_end: dt.date | None
    active: bool
    pseudonymised: bool
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonReference(BaseModel):
    """Whether a person id exists and is active: for checking a reference when it is written."""

    id: str
    active: bool


class SectorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class OrgUnitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    parent_id: str | None
    sector_id: int | None
    manager_person_id: str | None = PersonalField(description="The unit manager's person id")
    valid_from: dt.date | None
    valid_to: dt.date | None


Q_MAX_LENGTH = 200
ORG_UNIT_ID_MAX_LENGTH = 36


class PeopleQuery(BaseModel):
    q: str | None = Field(default=None, max_length=Q_MAX_LENGTH)
    active: bool | None = None
    org_unit_id: str | None = Field(default=None, max_length=ORG_UNIT_ID_MAX_LENGTH)
