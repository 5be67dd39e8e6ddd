"""SCIM conformance through the gateway (issue 13.7): the third-party checker ``scim2-tester``
against ``/scim/v2`` of the real gateway (a real HTTP server) over the real participants service,
with the HR sync client's token. The only failure allowed is the documented deviation
(DELETE /Users keeps the user, inactive, for ESR retention) that the direct run allows too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from gateway.main import create_app
from tests.conftest import service_database
from tests.gateway.servers import ServerThread
from tests.participants.test_scim_conformance import DEVIATIONS
from tests.system import System, running_system

SERVICES = ("budget", "pilots", "participants")
scim_budget_db, scim_pilots_db, scim_participants_db = map(service_database, SERVICES)
PUBLIC = "https://idk.kuopio.example"


@pytest.fixture
async def system(request: pytest.FixtureRequest, backend: str) -> AsyncIterator[System]:
    # ``backend`` parametrises the test over the backends; each service's database is read by name.
    databases = {name: request.getfixturevalue(f"scim_{name}_db") for name in SERVICES}
    overrides = {"public_base_url": PUBLIC, "upstream_timeout_seconds": 30.0}
    async with running_system(databases, gateway_overrides=overrides) as system:
        yield system


def check(base_url: str, headers: dict[str, str]) -> list[tuple[str | None, str | None, str | None, Status]]:
    with httpx2.Client(base_url=base_url, headers=headers, timeout=30) as http:
        results = check_server(SyncSCIMClient(http))
    return [(r.resource_type, r.title, r.reason, r.status) for r in results]


async def test_third_party_conformance_checker_through_the_gateway(system: System) -> None:
    gateway = ServerThread(create_app(system.settings)).start()
    try:
        headers = system.auth("hr_sync", subject="conformance-gateway")
        results = await asyncio.to_thread(check, gateway.url + "/scim/v2", headers)
    finally:
        gateway.stop()
    failures = [
        (kind, title, reason)
        for kind, title, reason, status in results
        if status not in (Status.SUCCESS, Status.SKIPPED) and (kind, title) not in DEVIATIONS
    ]
    assert failures == []
    passed = {(kind, title) for kind, title, _, status in results if status == Status.SUCCESS}
    assert len(passed) >= 20  # discovery, CRUD, PATCH add/replace/remove, attributes, random URL
    deviations = [status for kind, title, _, status in results if (kind, title) in DEVIATIONS]
    assert deviations and all(status == Status.ERROR for status in deviations)
