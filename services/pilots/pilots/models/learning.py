"""The learning loop: reflection questions per gate (data) and a pilot's answers to them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from hanke_libs.etag import versioned_mapper_args
from pilots.db import Base
from pilots.models.types import new_id, utcnow


class ReflectionQuestion(Base, table=True):
    """A question the pilot team answers at a gate (pohdintakysymys), in Finnish and English."""

    __tablename__ = "reflection_question"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    code: str = Field(max_length=60, unique=True)
    gate: str = Field(max_length=20, index=True, description="the stage the gate leads into")
    text_fi: str = Field(max_length=500)
    text_en: str = Field(max_length=500)
    private: bool = Field(default=False, description="answers shown only to the pilot team")
    required: bool = Field(default=False, description="the gate needs an answer")
    sort_order: int = 0
    active: bool = True


class ReflectionAnswer(Base, table=True):
    """A pilot's answer to one reflection question."""

    __tablename__ = "reflection_answer"
    __table_args__ = (UniqueConstraint("pilot_id", "question_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pilot_id: str = Field(foreign_key="pilot.id", max_length=36, index=True)
    question_id: str = Field(foreign_key="reflection_question.id", max_length=36)
    answer: str = Field(sa_type=Text)
    answered_by: str = Field(max_length=200)
    answered_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    version: int = 1

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned_mapper_args(cls)
