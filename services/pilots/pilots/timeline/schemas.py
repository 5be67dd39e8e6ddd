"""API models of timeline posts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hanke_libs.inputs import HTTP_URL_PATTERN, StrictDate
from hanke_libs.personal import PersonalField
from pilots.types import LongText

Link = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=HTTP_URL_PATTERN)
]


class TimelinePostCreate(BaseModel):
    """A dated progress post."""

    model_config = ConfigDict(extra="forbid")

    posted_on: StrictDate | None = Field(default=None, description="Defaults to today; not in the future")
    text: Annotated[LongText, StringConstraints(min_length=1, max_length=5000)]
    links: list[Link] = Field(default_factory=list, max_length=20)


class TimelinePostPublic(BaseModel):
    """A progress post (steering sees only its date: the rest is written by a person)."""

    id: str
    pilot_id: str
    author_id: str | None = PersonalField(description="Who posted it (person id)")
    posted_on: dt.date
    text: str | None = PersonalField()
    links: list[str] | None = PersonalField()
    created_at: dt.datetime
    href: str
