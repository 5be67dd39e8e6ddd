"""Fixtures of the budget service's tests: a clean migrated database per test, a client, tokens, and a
stub of the pilots service's ``GET /pilots/{id}/relation`` contract."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from budget.config import Settings
from budget.main import create_app
from hanke_libs.peers import PeerClient
from hanke_libs.testing import MigratedDatabase, running
from tests.conftest import service_database

budget_database = service_database("budget")

KUOPIO = "0171450-7"
SAVONIA = "2629463-3"
IDK = "S21894"
# Pilots as the stub of the pilots service knows them: id -> (project code, owner's subject).
PILOT_A = "6f1c2a9e-0000-4000-8000-000000000001"
PILOT_B = "6f1c2a9e-0000-4000-8000-000000000002"
PILOT_ELSEWHERE = "6f1c2a9e-0000-4000-8000-000000000099"
PILOTS: dict[str, tuple[str, str]] = {
    PILOT_A: (IDK, "owner-a"),
    PILOT_B: (IDK, "owner-b"),
    PILOT_ELSEWHERE: ("S99001", "owner-x"),
    "p-1": (IDK, "owner-a"),
}


class PilotsStub:
    """The pilots service's relation contract, answering for the caller named in the forwarded token."""

    def __init__(self) -> None:
        self.pilots = dict(PILOTS)
        self.calls: list[tuple[str, str]] = []
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503, json={"title": "down"})
        parts = request.url.path.strip("/").split("/")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        subject = jwt.decode(token, options={"verify_signature": False}).get("sub", "") if token else ""
        self.calls.append((request.url.path, subject))
        if len(parts) != 3 or parts[0] != "pilots" or parts[2] != "relation":
            return httpx.Response(404, json={"title": "no such route"})
        found = self.pilots.get(parts[1])
        if found is None:
            return httpx.Response(404, json={"type": "pilot-not-found", "title": "Not found", "status": 404})
        project, owner = found
        body: dict[str, Any] = {
            "pilot_id": parts[1],
            "project_code": project,
            "stage": "running",
            "is_owner": subject == owner,
            "is_champion": False,
            "may_read": True,
            "may_edit": subject == owner,
        }
        return httpx.Response(200, content=json.dumps(body), headers={"content-type": "application/json"})

    def client(self) -> PeerClient:
        return PeerClient(
            "pilots", "http://pilots", transport=httpx.MockTransport(self.handler), cache_seconds=0
        )


class StaticPilots:
    """A PilotDirectory for calls without a request (imports from disk in tests)."""

    async def relation(self, pilot_id: str) -> dict[str, Any] | None:
        found = PILOTS.get(pilot_id)
        if found is None:
            return None
        return {"pilot_id": pilot_id, "project_code": found[0], "is_owner": False}


@pytest.fixture
def settings(budget_database: MigratedDatabase) -> Settings:
    return Settings(database_url=budget_database.fresh_url(), log_json=False)


@pytest.fixture
def pilots_stub() -> PilotsStub:
    return PilotsStub()


@pytest.fixture
async def client(settings: Settings, pilots_stub: PilotsStub) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    app.state.peers = {"pilots": pilots_stub.client()}
    async with running(app) as c:
        yield c


@pytest.fixture
async def idk(settings: Settings) -> str:
    """The database seeded with the IDK project (applied and decided versions); gives its code."""
    from budget.seed import seed
    from hanke_libs.db import standalone_database

    async with standalone_database(settings.resolved_database_url()) as db:
        await seed(db)
    return IDK


def entry(**overrides: object) -> dict[str, object]:
    """A valid ledger entry of Kuopio's staff costs, with ``overrides``."""
    body: dict[str, object] = {
        "implementer": KUOPIO,
        "entry_date": "2021-03-15",
        "category": "staff",
        "amount": "1000.00",
        "voucher_ref": "V-1",
        "description": "Palkat 3/2021",
    }
    body.update(overrides)
    return body


PUBLIC_BASE = "/api/v1/budget"


def local(link: str) -> str:
    """A public link (through the gateway) as the service's own path, for calling the app directly."""
    assert link.startswith(PUBLIC_BASE + "/"), link
    return link.removeprefix(PUBLIC_BASE)


async def fresh(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with If-Match: the ETag of ``url`` read now (as a client does before a change)."""
    got = await client.get(url, headers=headers)
    assert got.status_code == 200, got.text
    return headers | {"If-Match": got.headers["etag"]}
