"""API models of the caller's own data, right of access, pseudonymisation and the read log."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from participants.champions.schemas import ChampionPublic
from participants.coaching.schemas import CoachingKind
from participants.people.schemas import PersonPublic
from participants.schemas import HoursStr


class MyCoachingEvent(BaseModel):
    id: str
    project_code: str
    kind: CoachingKind
    title: str
    date: dt.date
    hours: HoursStr
    provider_org: str | None


class MyCoaching(BaseModel):
    events: list[MyCoachingEvent]
    total_hours: HoursStr


class MyAnswer(BaseModel):
    round_id: int
    round: str
    framework_code: str
    item_code: str
    value: int


class Me(BaseModel):
    """The caller's own data."""

    person: PersonPublic
    champion_enrolments: list[ChampionPublic]
    coaching: MyCoaching
    answers: list[MyAnswer]


class PseudonymiseRequest(BaseModel):
    reason: str = Field(default="erasure request", min_length=1, max_length=200)


class PseudonymisedMany(BaseModel):
    pseudonymised: list[str]


class ReadLogEntry(BaseModel):
    id: int
    occurred_at: dt.datetime
    reader: str
    reader_roles: str
    person_id: str
    purpose: str
