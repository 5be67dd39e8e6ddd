"""App factory of the participants service: ``uvicorn --factory participants.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from participants import __version__
from participants.assessments import routes as assessments
from participants.champions import routes as champions
from participants.coaching import routes as coaching
from participants.config import Settings
from participants.db import audit
from participants.esr import routes as esr
from participants.hr_import import routes as hr_import
from participants.people import routes as people
from participants.privacy import routes as privacy
from participants.scim import install_scim
from participants.situation import routes as situation

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
        peers=settings.peer_urls(),
    )
    # Routes are matched in order: the routers of the hot reads (people, champions) first. No router
    # can take another's request (tests/access/test_route_order.py), so the order changes only speed.
    for module in (people, champions, privacy, hr_import, coaching, assessments, situation, esr):
        app.include_router(module.router)
    install_scim(app)
    app.include_router(audit_router(audit))
    return app
