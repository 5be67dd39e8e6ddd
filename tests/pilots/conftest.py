"""Fixtures of the pilots service's tests: a clean migrated database per test, a client whose
participants peer is a stub of its contract, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hanke_libs.db import standalone_database
from hanke_libs.peers import PeerClient
from hanke_libs.testing import MigratedDatabase, running
from pilots.config import Settings
from pilots.main import create_app
from pilots.seed import seed_reference
from tests.conftest import service_database
from tests.pilots.participants_stub import ParticipantsStub

pilots_database = service_database("pilots")


@pytest.fixture
def settings(pilots_database: MigratedDatabase) -> Settings:
    return Settings(database_url=pilots_database.fresh_url(), log_json=False)


@pytest.fixture
def participants() -> ParticipantsStub:
    return ParticipantsStub()


def wire(app: object, stub: ParticipantsStub, cache_seconds: float) -> None:
    app.state.peers = {  # type: ignore[attr-defined]
        "participants": PeerClient(
            "participants",
            "http://participants",
            transport=httpx.MockTransport(stub.handler),
            cache_seconds=cache_seconds,
        )
    }


@pytest.fixture
async def client(settings: Settings, participants: ParticipantsStub) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose database holds the reference data (IDK, sectors, kinds, questions)."""
    async with standalone_database(settings.resolved_database_url()) as db:
        await seed_reference(db)
    app = create_app(settings)
    wire(app, participants, settings.peer_cache_seconds)
    async with running(app) as c:
        yield c
    for peer in app.state.peers.values() if app.state.peers else []:
        await peer.aclose()
