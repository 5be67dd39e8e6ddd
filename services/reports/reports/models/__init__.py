"""Table models of the reports service. Importing this package registers every table in ``metadata``."""

from __future__ import annotations

from reports.db import Base, audit, metadata
from reports.models.calendar import Obligation, ReportingCalendar
from reports.models.outbox import Notification
from reports.models.reports import NarrativeSection, Report, ReportVersion

__all__ = [
    "Base",
    "NarrativeSection",
    "Notification",
    "Obligation",
    "Report",
    "ReportVersion",
    "ReportingCalendar",
    "audit",
    "metadata",
]
