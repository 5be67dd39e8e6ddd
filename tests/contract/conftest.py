"""Each service app on a migrated, seeded database for the contract tests (one per backend)."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hanke_libs.db import standalone_database
from hanke_libs.peers import PeerClient
from hanke_libs.testing import MigratedDatabase, bearer
from tests.conftest import service_database

contract_budget_db = service_database("budget")
contract_pilots_db = service_database("pilots")
contract_participants_db = service_database("participants")
contract_reports_db = service_database("reports")


def build_app(service: str, database: MigratedDatabase) -> tuple[Any, dict[str, str]]:
    """The service's app on a clean, seeded database, and headers with an admin token."""
    url = database.fresh_url()
    seed = importlib.import_module(f"{service}.seed").seed

    async def run_seed() -> None:
        async with standalone_database(url) as db:
            await seed(db)

    asyncio.run(run_seed())
    settings = importlib.import_module(f"{service}.config").Settings(
        database_url=url, log_json=False, db_null_pool=True, log_level="WARNING"
    )
    app = importlib.import_module(f"{service}.main").create_app(settings)
    if service in PEER_STUBS:  # the services it asks for facts, stubbed by their contracts
        app.state.peers = {
            name: PeerClient(name, f"http://{name}", transport=httpx.MockTransport(handler))
            for name, handler in PEER_STUBS[service].items()
        }
    return app, bearer(settings, "admin", subject="contract-admin")


def _pilots_contract(request: httpx.Request) -> httpx.Response:
    """pilots' /pilots/{id}/relation and /projects/{code}: nothing exists (references are 422s)."""
    return httpx.Response(404, json={"status": 404, "detail": "stub: no such pilot or project"})


def _participants_contract(request: httpx.Request) -> httpx.Response:
    """participants' /me/enrolments (no enrolments) and /people/{id}/reference (every id exists)."""
    path = request.url.path
    if path == "/me/enrolments":
        return httpx.Response(
            200, json={"person_id": "contract-admin", "as_of": "2021-01-01", "pilots": [], "projects": []}
        )
    if path.startswith("/people/") and path.endswith("/reference"):
        return httpx.Response(200, json={"id": path.split("/")[2], "active": True})
    return httpx.Response(404, json={"status": 404})


def _knows_nothing(request: httpx.Request) -> httpx.Response:
    """reports' upstreams with nothing in them: every fact a report asks for is a 404 it records."""
    return httpx.Response(404, json={"status": 404, "detail": "stub: nothing here"})


PEER_STUBS: dict[str, dict[str, Callable[[httpx.Request], httpx.Response]]] = {
    "participants": {"pilots": _pilots_contract},
    "pilots": {"participants": _participants_contract},
    "budget": {"pilots": _pilots_contract},
    "reports": {name: _knows_nothing for name in ("budget", "pilots", "participants")},
}


App = tuple[Any, dict[str, str]]


@pytest.fixture
def contract_databases(
    contract_budget_db: MigratedDatabase,
    contract_pilots_db: MigratedDatabase,
    contract_participants_db: MigratedDatabase,
    contract_reports_db: MigratedDatabase,
) -> dict[str, MigratedDatabase]:
    """Each service's migrated database on the current backend (built once a session)."""
    return {
        "budget": contract_budget_db,
        "pilots": contract_pilots_db,
        "participants": contract_participants_db,
        "reports": contract_reports_db,
    }
