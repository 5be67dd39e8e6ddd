"""App factory of the pilots service: ``uvicorn --factory pilots.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from pilots import __version__
from pilots.config import Settings
from pilots.establishment.routes import router as establishment_router
from pilots.exports.routes import router as exports_router
from pilots.gates.routes import router as gates_router
from pilots.indicators.routes import router as indicators_router
from pilots.learning.routes import router as learning_router
from pilots.models import audit
from pilots.pilots.routes import router as pilots_router
from pilots.reference.routes import router as reference_router
from pilots.timeline.routes import router as timeline_router

DESCRIPTION = """Multi-sector service pilots (kokeilut) from idea to established practice: stages, gates and
decisions, indicators and measurements, the learning loop, establishment.

Lifecycle: idea -> planned -> approved -> running -> evaluated -> established | discontinued. Entering a
stage needs the gates of every stage up to it; `GET /pilots/{id}/next-gate` tells what the next one needs,
and a refused move is a 409 problem with `missing` and `allowed_moves`. Approval, withdrawal and
establishing are decisions of the project (project manager or admin, with the steering group's reference);
past the evaluation gate the project decides scale up / adjust and continue / park / stop
(`POST /pilots/{id}/decisions`). A project has 3..5 pilots from approval onward, each multi-sector and
involving customers while it counts (`GET /projects/{code}/portfolio` states how it counts).

Access: admin and project_manager read and edit everything and record decisions; pilot_owner reads all
pilots and edits its own (owner_id = the caller's person id); champion reads and posts only on the pilots
it is enrolled in (asked from the participants service, cached for seconds); steering reads with no person
ids or person-written text; auditor reads; finance reads pilot titles. Survey values from fewer than 10
respondents are shown only to the pilot's owner, the project manager and admins. The route x role table is
docs/access/pilots.md.
"""

TAGS: list[dict[str, str]] = [
    {
        "name": "pilots",
        "description": "Pilots (kokeilut), their lifecycle, decisions and the project's portfolio.",
    },
    {
        "name": "indicators",
        "description": "Indicators (mittarit), measurements, progress and traffic lights.",
    },
    {"name": "learning", "description": "Reflection questions per gate, answers, what was learned."},
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
        peers=settings.peer_urls(),
    )
    for router in (
        pilots_router,
        gates_router,
        indicators_router,
        learning_router,
        timeline_router,
        establishment_router,
        reference_router,
        exports_router,
    ):
        app.include_router(router)
    app.include_router(audit_router(audit))
    return app
