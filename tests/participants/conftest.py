"""Fixtures of the participants service's tests: a clean migrated database per test, a client, tokens,
and a stub of the pilots service's contract (``/pilots/{id}/relation``, ``/projects/{code}``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from hanke_libs.db import standalone_database
from hanke_libs.peers import PeerClient
from hanke_libs.testing import MigratedDatabase, running
from participants.config import Settings
from participants.main import create_app
from participants.seed import seed
from tests.conftest import service_database

participants_database = service_database("participants")

PILOT = "7f1c2d9e-0000-4000-8000-000000000001"
OTHER_PILOT = "7f1c2d9e-0000-4000-8000-000000000002"
FOREIGN_PILOT = "7f1c2d9e-0000-4000-8000-000000000003"
OWNER = "owner-of-pilot-1"
OTHER_OWNER = "owner-of-pilot-2"


@dataclass
class PilotsStub:
    """The pilots service as far as participants asks it: pilots (project, owner) and projects."""

    pilots: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            PILOT: {"project_code": "S21894", "owner": OWNER},
            OTHER_PILOT: {"project_code": "S21894", "owner": OTHER_OWNER},
            FOREIGN_PILOT: {"project_code": "OTHER-1", "owner": OTHER_OWNER},
        }
    )
    projects: set[str] = field(default_factory=lambda: {"S21894", "OTHER-1"})
    calls: list[str] = field(default_factory=list)
    down: bool = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if self.down:
            return httpx.Response(503, json={"status": 503})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False}) if token else {}
        parts = request.url.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "pilots" and parts[2] == "relation":
            pilot = self.pilots.get(parts[1])
            if pilot is None:
                return httpx.Response(404, json={"status": 404, "detail": "no such pilot"})
            owner = pilot["owner"] == claims.get("sub")
            return httpx.Response(
                200,
                json={
                    "pilot_id": parts[1],
                    "project_code": pilot["project_code"],
                    "stage": "running",
                    "is_owner": owner,
                    "is_champion": False,
                    "may_read": True,
                    "may_edit": owner,
                },
            )
        if len(parts) == 2 and parts[0] == "projects":
            if parts[1] in self.projects:
                return httpx.Response(200, json={"code": parts[1]})
            return httpx.Response(404, json={"status": 404, "detail": "no such project"})
        return httpx.Response(404, json={"status": 404})


@pytest.fixture
def pilots_stub() -> PilotsStub:
    return PilotsStub()


@pytest.fixture
def settings(participants_database: MigratedDatabase) -> Settings:
    return Settings(database_url=participants_database.fresh_url(), log_json=False)


@pytest.fixture
async def client(settings: Settings, pilots_stub: PilotsStub) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    app.state.peers = {
        "pilots": PeerClient("pilots", "http://pilots", transport=httpx.MockTransport(pilots_stub.handler))
    }
    async with running(app) as c:
        yield c
    await app.state.peers["pilots"].aclose()


@pytest.fixture
async def seeded(settings: Settings) -> AsyncIterator[None]:
    """The seeded frameworks, sectors and the IDK project's rounds (seeding twice adds nothing)."""
    async with standalone_database(settings.database_url) as db:
        assert await seed(db)
        assert await seed(db) == []  # idempotent
    yield
