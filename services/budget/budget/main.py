"""App factory of the budget service: ``uvicorn --factory budget.main:create_app``.

One package per concept (projects, versions, funding, ledger, claims, figures), each with its
repository (the scoped queries), its service functions and its routes; routes hold no SQL.
"""

from __future__ import annotations

from fastapi import FastAPI

from budget import __version__
from budget.claims import routes as claims
from budget.config import Settings
from budget.figures import routes as figures
from budget.ledger import routes as ledger
from budget.ledger import routes_files as ledger_files
from budget.links import Links
from budget.models import audit
from budget.projects import routes as projects
from budget.versions import routes as versions
from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from hanke_libs.metrics import count_rows_by

TAGS: list[dict[str, str]] = [
    {"name": "projects", "description": "Projects and their funding plan in force."},
    {
        "name": "versions",
        "description": "Budget versions (append-only), their review by the governance rules, decisions of the "
        "city board or the funder, and the baseline in force.",
    },
    {
        "name": "figures",
        "description": "Figures exact to the cent: utilisation, funding split, caps, forecast, costs by pilot.",
    },
    {
        "name": "ledger",
        "description": "The cost ledger (kustannuskirjanpito), period locks, imports and exports.",
    },
    {"name": "claims", "description": "Payment claims (maksatushakemus), their verification and export."},
    {"name": "audit", "description": "The service's append-only audit trail."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_base_app(
        name="budget",
        title="Hanke budget service",
        version=__version__,
        description="Funding plan, budget versions and their governance, cost ledger, flat rates and payment "
        "claims of externally funded projects.",
        settings=settings,
        openapi_tags=TAGS,
        peers={"pilots": settings.resolved_pilots_url()},
    )
    app.state.links = Links(settings)
    # Operations hook (hanke_libs.metrics): payment claims by status, counted at each scrape of /metrics.
    count_rows_by(
        app, "hanke_claims", "Payment claims by status.", table_name="payment_claim", group_by="status"
    )
    # Routes are matched in order, so the routers of the hot reads (the project, the one-entry GET)
    # come first. No router can take another's request (tests/access/test_route_order.py), so the
    # order changes nothing but speed.
    for module in (projects, ledger, ledger_files, versions, figures, claims):
        app.include_router(module.router)
    app.include_router(audit_router(audit))
    return app
