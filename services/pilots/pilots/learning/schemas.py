"""API models of reflection questions and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from hanke_libs.inputs import NonNegativeInt32, PatchModel, SingleLineText
from hanke_libs.personal import PersonalField
from pilots.types import LongText, Stage

QuestionText = Annotated[
    SingleLineText, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)
]
QuestionCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[a-z0-9_.-]+$")
]


class ReflectionQuestionCreate(BaseModel):
    """A reflection question of a gate, in Finnish and English."""

    model_config = ConfigDict(extra="forbid")

    code: QuestionCode
    gate: Stage = Field(description="The stage the gate leads into (planned ... established)")
    text_fi: QuestionText
    text_en: QuestionText
    private: StrictBool = Field(default=False, description="Answers shown only to the pilot team")
    required: StrictBool = Field(
        default=False, description="The gate needs an answer before the pilot enters it"
    )
    sort_order: Annotated[NonNegativeInt32, Field(le=10_000)] = 0


class ReflectionQuestionUpdate(PatchModel):
    """A change of a question (only the sent fields; a question is retired with active: false)."""

    text_fi: QuestionText | None = None
    text_en: QuestionText | None = None
    private: StrictBool | None = None
    required: StrictBool | None = None
    sort_order: Annotated[NonNegativeInt32, Field(le=10_000)] | None = None
    active: StrictBool | None = None


class ReflectionQuestionPublic(BaseModel):
    """A reflection question."""

    id: str
    code: str
    gate: Stage
    text_fi: str
    text_en: str
    private: bool
    required: bool
    sort_order: int
    active: bool
    href: str


class ReflectionAnswerWrite(BaseModel):
    """The pilot team's answer to one question."""

    model_config = ConfigDict(extra="forbid")

    answer: Annotated[LongText, StringConstraints(min_length=1)]


class ReflectionPublic(BaseModel):
    """A question of a gate and this pilot's answer to it (hidden when private and the caller is not
    in the pilot team)."""

    question_id: str
    code: str
    gate: Stage
    text_fi: str
    text_en: str
    private: bool
    required: bool
    answered: bool
    answer_hidden: bool = Field(description="A private answer the caller may not read")
    answer: str | None = PersonalField(description="The team's answer (person-written)")
    answered_by: str | None = PersonalField(description="Who wrote it (person id)")
    answered_at: dt.datetime | None = None
    version: int | None = None
    href: str
