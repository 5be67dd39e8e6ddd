"""Shared API types of the pilots service: stages, lights, decisions, bounded text and ids.

Text types refuse control characters at the edge (a title holding U+0001 is a 422, never an
export that fails later); ids in paths are bounded strings.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from fastapi import Path
from pydantic import PlainSerializer, StringConstraints

from hanke_libs.inputs import MultiLineText, SingleLineText

# Decimal in code; a JSON number on the wire (indicator values are not money).
Number = Annotated[Decimal, PlainSerializer(lambda d: float(d), return_type=float, when_used="json")]
ShortText = Annotated[SingleLineText, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[MultiLineText, StringConstraints(strip_whitespace=True, max_length=10_000)]
Reason = Annotated[MultiLineText, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Label = Annotated[SingleLineText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reference = Annotated[SingleLineText, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
PilotIdPath = Annotated[str, Path(min_length=1, max_length=36, description="The pilot's id")]
ChildIdPath = Annotated[str, Path(min_length=1, max_length=36)]
CodePath = Annotated[str, Path(min_length=1, max_length=40, description="The project's code, e.g. S21894")]


class Stage(StrEnum):
    """Lifecycle stages (vaiheet) of a pilot."""

    idea = "idea"
    planned = "planned"
    approved = "approved"
    running = "running"
    evaluated = "evaluated"
    established = "established"
    discontinued = "discontinued"


class Light(StrEnum):
    """Traffic light (liikennevalo, as in THL's Innokylä)."""

    red = "red"
    yellow = "yellow"
    green = "green"


class Direction(StrEnum):
    """Which way an indicator is better."""

    HIGHER = "higher"
    LOWER = "lower"


class AnchorKind(StrEnum):
    """Where an established practice now lives."""

    body = "body"
    guideline = "guideline"
    strategic_position = "strategic_position"
    org_structure = "org_structure"


class EstablishmentStatus(StrEnum):
    proposed = "proposed"
    decided = "decided"
    in_use = "in_use"


class DecisionGate(StrEnum):
    """Which gate a recorded decision passed: approval, evaluation, establishment, or another
    move the project decides (discontinuing or withdrawing an approved pilot)."""

    approval = "approval"
    evaluation = "evaluation"
    establishment = "establishment"
    withdrawal = "withdrawal"


class EvaluationOutcome(StrEnum):
    """The decision at the evaluation gate (jatkopäätös)."""

    scale_up = "scale_up"
    adjust_and_continue = "adjust_and_continue"
    park = "park"
    stop = "stop"


class DecisionBody(StrEnum):
    """Who made a decision: the steering group (ohjausryhmä), the project (its manager), the city board."""

    steering_group = "steering_group"
    project = "project"
    city_board = "city_board"
