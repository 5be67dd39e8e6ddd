"""App factory of the reports service: ``uvicorn --factory reports.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from reports import __version__
from reports.config import Settings
from reports.models import audit
from reports.routes import calendar, feeds, notifications, reports, versions

DESCRIPTION = """The reporting calendar and the reports people read: payment claims per claim period,
monitoring reports, the interim evaluation for the city board (one year after the start, Kh § 81/2019)
and the final report, with statuses for a day, extensions, who is responsible, reminders (an outbox a
delivery worker sends) and an iCalendar feed; report drafts from the other services' live data as of a
day, narrative sections, frozen numbered versions that never change, their differences, and documents
(HTML, PDF, DOCX for the interim evaluation, JSON) with charts and their tables.

Figures come from the budget, pilots and participants services over HTTP with the caller's token (each
service applies its own rules; a part the caller may not see is missing and says why). Every figure
carries its provenance: service, endpoint, parameters and a link through the gateway to its rows.

Documents: `?format=html|pdf|docx|json` or `Accept`; `?lang=fi|en` or `Accept-Language` (Finnish first);
anything else offered is a 406 problem.
"""

TAGS: list[dict[str, str]] = [
    {"name": "calendar", "description": "Reporting calendar (raportointikalenteri), obligations, feeds."},
    {"name": "notifications", "description": "Reminders in the outbox."},
    {"name": "reports", "description": "Report drafts from live data and their narrative."},
    {"name": "versions", "description": "Frozen versions, their documents and differences."},
    {"name": "audit", "description": "The service's append-only audit trail."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_base_app(
        name="reports",
        title="Hanke reports",
        version=__version__,
        description=DESCRIPTION,
        settings=settings,
        openapi_tags=TAGS,
        peers=settings.upstream_urls(),
    )
    app.include_router(calendar.router)
    app.include_router(feeds.router)
    app.include_router(notifications.router)
    app.include_router(reports.router)
    app.include_router(versions.router)
    app.include_router(audit_router(audit))
    return app
