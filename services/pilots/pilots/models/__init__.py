"""Table models of the pilots service. Importing this package registers every table in ``metadata``."""

from __future__ import annotations

from pilots.db import Base, audit, metadata
from pilots.models.decision import GateDecision
from pilots.models.indicator import Indicator, Measurement
from pilots.models.learning import ReflectionAnswer, ReflectionQuestion
from pilots.models.pilot import FrozenChange, Pilot, PilotSector, StageChange
from pilots.models.reference import IndicatorKind, Project, Sector
from pilots.models.timeline import Establishment, EstablishmentPilot, TimelinePost

__all__ = [
    "Base",
    "Establishment",
    "EstablishmentPilot",
    "FrozenChange",
    "GateDecision",
    "Indicator",
    "IndicatorKind",
    "Measurement",
    "Pilot",
    "PilotSector",
    "Project",
    "ReflectionAnswer",
    "ReflectionQuestion",
    "Sector",
    "StageChange",
    "TimelinePost",
    "audit",
    "metadata",
]
