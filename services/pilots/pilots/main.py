"""App factory of the pilots service: ``uvicorn --factory pilots.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from pilots import __version__
from pilots.config import Settings
from pilots.models import audit
from pilots.routes import exports, indicators, pilots, reference, timeline

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
        description="Multi-sector service pilots (kokeilut) from idea to established practice: stages, indicators, measurements, establishment.",
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
