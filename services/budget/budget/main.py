"""App factory of the budget service: ``uvicorn --factory budget.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from budget import __version__
from budget.config import Settings
from budget.models import audit
from budget.routes import claims, figures, imports, ledger, projects
from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from hanke_libs.metrics import count_rows_by

TAGS: list[dict[str, str]] = [
    {"name": "projects", "description": "Projects, funding plans and budget versions (append-only)."},
    {
        "name": "figures",
        "description": "Figures exact to the cent: utilisation, funding split, caps, forecast.",
    },
    {"name": "ledger", "description": "The cost ledger (kustannuskirjanpito) and period locks."},
    {"name": "claims", "description": "Payment claims (maksatushakemus) and their export."},
    {"name": "audit", "description": "The service's append-only audit trail."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_base_app(
        name="budget",
        title="Hanke budget service",
        version=__version__,
        description="Funding plan, budget versions, cost ledger, flat rates and payment claims of externally funded projects.",
        settings=settings,
        openapi_tags=TAGS,
    )
    app.include_router(audit_router(audit))
    # Operations hook (hanke_libs.metrics): payment claims by status, counted at each scrape of /metrics.
    count_rows_by(
        app, "hanke_claims", "Payment claims by status.", table_name="payment_claim", group_by="status"
    )
    # The ledger first: its one-entry GET is the hot read, matched before the other routers.
    for module in (ledger, projects, figures, imports, claims):
        app.include_router(module.router)
    return app
