"""Shared API types: stages, traffic lights, numbers that stay numbers."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import PlainSerializer, StringConstraints

# Decimal in code; a JSON number on the wire (indicator values are not money).
Number = Annotated[Decimal, PlainSerializer(lambda d: float(d), return_type=float, when_used="json")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


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
    """Traffic light of one evaluation criterion (liikennevalo, as in THL's Innokylä)."""

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
