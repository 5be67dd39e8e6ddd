"""Fixtures of the reports service's tests: the three real services (uvicorn in threads, databases
built by their migrations, seeded, with a year and a half of the IDK project entered through their
APIs) shared by the session, and a reports app with a clean, seeded database per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hanke_libs.db import standalone_database
from hanke_libs.testing import MigratedDatabase, bearer, running
from reports.config import Settings
from reports.main import create_app
from reports.seed import seed
from tests.conftest import service_database
from tests.gateway.servers import ServerThread, free_port
from tests.reports import scenario
from tests.system import start_service

reports_database = service_database("reports")
reports_budget_db = service_database("budget")
reports_pilots_db = service_database("pilots")
reports_participants_db = service_database("participants")
UPSTREAMS = ("budget", "pilots", "participants")


@dataclass
class Live:
    servers: dict[str, ServerThread]
    pilot_ids: list[str]
    owner_ids: list[str]

    @property
    def urls(self) -> dict[str, str]:
        return {name: s.url for name, s in self.servers.items()}


async def _load(live: Live) -> None:
    settings = Settings()

    def auth(*roles: str, **kw: Any) -> dict[str, str]:
        return bearer(settings, *roles, **kw)

    async with httpx.AsyncClient(base_url=live.urls["budget"], timeout=60) as c:
        await scenario.load_budget(c, auth)
    async with httpx.AsyncClient(base_url=live.urls["participants"], timeout=60) as c:
        live.owner_ids.extend(await scenario.load_participants(c, auth))
    async with httpx.AsyncClient(base_url=live.urls["pilots"], timeout=60) as c:
        live.pilot_ids.extend(await scenario.load_pilots(c, auth, live.owner_ids))


@pytest.fixture(scope="session")
def live(
    reports_budget_db: MigratedDatabase,
    reports_pilots_db: MigratedDatabase,
    reports_participants_db: MigratedDatabase,
) -> Iterator[Live]:
    """The real budget, pilots and participants services with the scenario's data (read-only for tests:
    a test that changes live data restores it)."""
    databases = {
        "budget": reports_budget_db,
        "pilots": reports_pilots_db,
        "participants": reports_participants_db,
    }
    servers: dict[str, ServerThread] = {}
    try:
        ports = {name: free_port() for name in UPSTREAMS}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        for name in UPSTREAMS:
            servers[name] = asyncio.run(start_service(name, databases[name], ports[name], urls))
        state = Live(servers, [], [])
        asyncio.run(_load(state))
        yield state
    finally:
        for server in servers.values():
            if server.thread.is_alive():
                server.stop()


@pytest.fixture
def settings(reports_database: MigratedDatabase, live: Live) -> Settings:
    return Settings(
        database_url=reports_database.fresh_url(),
        log_json=False,
        budget_url=live.urls["budget"],
        pilots_url=live.urls["pilots"],
        participants_url=live.urls["participants"],
        gateway_base_url="http://hanke.test",
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a reports app whose database holds the seeded IDK calendar."""
    async with standalone_database(settings.resolved_database_url()) as db:
        await seed(db)
    async with running(create_app(settings)) as c:
        yield c


Auth = Callable[..., dict[str, str]]
