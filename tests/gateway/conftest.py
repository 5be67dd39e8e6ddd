"""Fixtures of the gateway's tests: stub upstreams as real servers, a gateway over them, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from gateway.config import Settings
from gateway.main import create_app
from hanke_libs.testing import running
from tests.gateway.servers import ServerThread
from tests.gateway.stubs import STUBS

ORIGIN = "https://intranet.kuopio.example"


@pytest.fixture(scope="session")
def stubs() -> Iterator[dict[str, ServerThread]]:
    """The three stub services, one uvicorn server each, for the whole test session."""
    servers = {name: ServerThread(make()).start() for name, make in STUBS.items()}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(autouse=True)
def _reset_stubs(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "stubs" in request.fixturenames:
        for server in request.getfixturevalue("stubs").values():
            server.app.state.slow.clear()
            server.app.state.calls.clear()


def gateway_settings(urls: dict[str, str], **overrides: object) -> Settings:
    values: dict[str, object] = {
        "budget_url": urls["budget"],
        "pilots_url": urls["pilots"],
        "participants_url": urls["participants"],
        "reports_url": urls.get("reports", urls["participants"]),
        "upstream_timeout_seconds": 1.0,
        "view_deadline_seconds": 2.0,
        "ready_probe_seconds": 0.5,
        "openapi_retry_seconds": 0,
        "cors_origins": [ORIGIN],
        "log_json": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(stubs: dict[str, ServerThread]) -> Settings:
    return gateway_settings({name: s.url for name, s in stubs.items()})


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as c:
        yield c
