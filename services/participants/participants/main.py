"""App factory of the participants service: ``uvicorn --factory participants.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from participants import __version__
from participants.config import Settings
from participants.db import audit
from participants.routes import assessments, champions, esr, imports, me, people, privacy, read_log
from participants.scim import scim_router

TAGS: list[dict[str, str]] = [
    {"name": "people", "description": "People, org units and sectors from HR (reads are logged)."},
    {"name": "hr import", "description": "The HR system's staff and org unit exports (CSV, XLSX)."},
    {
        "name": "champions and coaching",
        "description": "Champions (kellokkaat), pilot enrolments, renewal support.",
    },
    {
        "name": "assessments",
        "description": "Competence meters and maturity models: rounds, answers, aggregates.",
    },
    {
        "name": "me and situation",
        "description": "The caller's own data; the steering-safe situational picture.",
    },
    {"name": "esr", "description": "ESR participant data and the indicators by gender."},
    {"name": "data protection", "description": "Read log, right of access, pseudonymisation."},
    {"name": "audit", "description": "The service's append-only audit trail."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; SCIM 2.0 lives under ``/scim/v2`` (role hr_sync), described by its own ``/Schemas``."""
    settings = settings or Settings()
    app = create_base_app(
        name="participants",
        title="Hanke participants service",
        version=__version__,
        description="People from HR (SCIM 2.0 and HR exports), champions (kellokkaat), coaching, competence and maturity assessments, ESR participant data.",
        settings=settings,
        openapi_tags=TAGS,
    )
    app.include_router(audit_router(audit))
    app.include_router(scim_router())
    app.include_router(read_log.router)
    app.include_router(imports.router)
    app.include_router(privacy.router)
    app.include_router(people.router)
    app.include_router(champions.router)
    app.include_router(assessments.router)
    app.include_router(me.router)
    app.include_router(esr.router)
    return app
