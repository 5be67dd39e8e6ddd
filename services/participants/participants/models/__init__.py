"""Table models of the participants service. Importing this package registers every table in ``metadata``."""

from __future__ import annotations

from participants.db import Base, audit, metadata
from participants.models.assessments import Answer, AssessmentRound, Framework, FrameworkArea, FrameworkItem
from participants.models.champions import Champion, ChampionPilot, CoachingAttendance, CoachingEvent
from participants.models.esr import EsrParticipation, EsrSensitiveFlags, EsrSnapshot
from participants.models.people import OrgUnit, Person, PersonReadLog, Sector

__all__ = [
    "Answer",
    "AssessmentRound",
    "Base",
    "Champion",
    "ChampionPilot",
    "CoachingAttendance",
    "CoachingEvent",
    "EsrParticipation",
    "EsrSensitiveFlags",
    "EsrSnapshot",
    "Framework",
    "FrameworkArea",
    "FrameworkItem",
    "OrgUnit",
    "Person",
    "PersonReadLog",
    "Sector",
    "audit",
    "metadata",
]
