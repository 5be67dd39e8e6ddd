"""API models of champions (kellokkaat) and their pilot enrolments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hanke_libs.inputs import SingleLineText, StrictDate
from hanke_libs.personal import PersonalField
from participants.schemas import PilotId, ProjectCode


class PilotEnrolment(BaseModel):
    """A champion's enrolment in one pilot (the pilots service's pilot id, checked when written)."""

    pilot_id: PilotId
    role: Annotated[SingleLineText, Field(min_length=1, max_length=120)] = "champion"
    start_date: StrictDate | None = None
    end_date: StrictDate | None = None

    @model_validator(mode="after")
    def _dates(self) -> PilotEnrolment:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class ChampionCreate(BaseModel):
    """Enrol a person as a champion of a project (and of some of its pilots)."""

    person_id: str = Field(min_length=1, max_length=36)
    project_code: ProjectCode
    role: Annotated[SingleLineText, Field(min_length=1, max_length=120)] = "champion"
    start_date: StrictDate | None = None
    end_date: StrictDate | None = None
    pilots: list[PilotEnrolment] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _dates(self) -> ChampionCreate:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class PilotEnrolmentPublic(PilotEnrolment):
    model_config = ConfigDict(from_attributes=True)


class ChampionPublic(BaseModel):
    """A champion with the person's display name and unit, and the pilot enrolments."""

    id: str
    person_id: str | None = PersonalField(description="The champion's person id")
    display_name: str | None = PersonalField(description="The champion's name")
    org_unit_id: str | None
    project_code: str
    role: str
    start_date: dt.date | None
    end_date: dt.date | None
    pilots: list[PilotEnrolmentPublic]


class PilotChampion(BaseModel):
    """One champion of a pilot, as its owner, its co-champions and the project office see it."""

    champion_id: str
    person_id: str | None = PersonalField(description="The champion's person id")
    display_name: str | None = PersonalField(description="The champion's name")
    title: str | None = PersonalField(description="The champion's job title")
    org_unit_id: str | None
    role: str
    start_date: dt.date | None
    end_date: dt.date | None


class PilotChampions(BaseModel):
    """A pilot's champions: names for its owner, its champions and the project office; steering the count."""

    pilot_id: str
    as_of: dt.date | None = Field(default=None, description="Enrolments active on this day; null: all")
    count: int
    champions: list[PilotChampion] | None = Field(
        default=None,
        description="The champions (null for steering, which sees the count only)",
    )


class MyPilotEnrolment(BaseModel):
    pilot_id: str
    project_code: str
    role: str
    start_date: dt.date | None
    end_date: dt.date | None


class MyEnrolments(BaseModel):
    """The caller's champion enrolments active on ``as_of`` (for other services' access rules)."""

    person_id: str
    as_of: dt.date
    pilots: list[MyPilotEnrolment]
    projects: list[str] = Field(description="Projects where the caller is an active champion on as_of")
