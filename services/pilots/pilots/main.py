"""App factory of the pilots service: ``uvicorn --factory pilots.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from pilots import __version__
from pilots.config import Settings
from pilots.models import audit
from pilots.routes import exports, indicators, pilots, reference, timeline

DESCRIPTION = """Multi-sector service pilots (kokeilut) from idea to established practice: stages, indicators,
measurements, establishment.

Lifecycle: idea -> planned -> approved -> running -> evaluated -> established | discontinued. Entering a
stage needs the gates of every stage up to it; `GET /pilots/{id}/next-gate` tells what the next one needs,
and a refused move is a 409 problem with `missing` and `allowed_moves`. A project has 3..5 pilots from
approval onward (`GET /projects/{code}/portfolio` states how it counts).

Access: admin and project_manager read and edit everything; pilot_owner reads all pilots and edits its
own (owner_id = the caller's person id); champion reads every pilot and posts to timelines (this service
does not know which champion follows which pilot: champions live in the participants service, so the
gateway narrows the view); steering and auditor read. Survey values from fewer than 10 respondents are
shown only to the pilot's owner, the project manager and admins.
"""

TAGS: list[dict[str, str]] = [
    {"name": "pilots", "description": "Pilots (kokeilut), their lifecycle and the project's portfolio."},
    {"name": "indicators", "description": "Indicators (mittarit), measurements and progress."},
    {"name": "timeline and establishment", "description": "Progress posts and vakiinnuttaminen."},
    {"name": "reference data", "description": "Projects, sectors (hallintoalat), indicator kinds."},
    {"name": "exports", "description": "CSV and XLSX exports of the portfolio and of a pilot's record."},
    {"name": "audit", "description": "The service's append-only audit trail."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_base_app(
        name="pilots",
        title="Hanke pilot tracker",
        version=__version__,
        description=DESCRIPTION,
        settings=settings,
        openapi_tags=TAGS,
    )
    app.include_router(pilots.router)
    app.include_router(indicators.router)
    app.include_router(timeline.router)
    app.include_router(reference.router)
    app.include_router(exports.router)
    app.include_router(audit_router(audit))
    return app
