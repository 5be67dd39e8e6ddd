"""API models of ESR participant data (ESR-osallistujatiedot)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hanke_libs.inputs import StrictDate
from participants.schemas import ProjectCode


class Gender(StrEnum):
    female = "female"
    male = "male"
    other = "other"


class AgeGroup(StrEnum):
    under_25 = "under_25"
    from_25_to_54 = "25_54"
    over_54 = "over_54"


class LabourStatus(StrEnum):
    employed = "employed"
    self_employed = "self_employed"
    unemployed = "unemployed"
    long_term_unemployed = "long_term_unemployed"
    inactive = "inactive"
    inactive_in_education = "inactive_in_education"


class Isced(StrEnum):
    isced_1_2 = "1-2"
    isced_3_4 = "3-4"
    isced_5_8 = "5-8"


class Snapshot(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    gender: Gender
    age_group: AgeGroup
    labour_status: LabourStatus
    isced: Isced


class SensitiveFlags(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    migrant_background: StrictBool | None = None
    disability: StrictBool | None = None
    other_disadvantage: StrictBool | None = None


class ParticipationCreate(BaseModel):
    person_id: str = Field(min_length=1, max_length=36)
    project_code: ProjectCode
    entry_date: StrictDate
    entry: Snapshot


class ParticipationExit(BaseModel):
    exit_date: StrictDate
    snapshot: Snapshot


class ParticipationPublic(BaseModel):
    id: str
    person_id: str
    project_code: str
    entry_date: dt.date
    exit_date: dt.date | None
    entry: Snapshot | None
    exit: Snapshot | None
