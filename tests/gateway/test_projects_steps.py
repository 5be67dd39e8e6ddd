"""``POST /api/v1/projects`` against stand-in services that fail on purpose: a 5xx, a timeout or a
failing undo at each step, and what is left in each service afterwards (ADR 0010)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gateway.main import create_app
from hanke_libs.testing import bearer, running
from tests.gateway.conftest import gateway_settings
from tests.gateway.servers import ServerThread

BODY: dict[str, Any] = {
    "code": "S40001",
    "name": "Kokeiluhanke",
    "funder": "ELY",
    "programme": "Ohjelma",
    "period_start": "2026-01-01",
    "period_end": "2027-12-31",
    "cost_model": "actual",
    "implementers": [{"business_id": "0171450-7", "name": "Kuopion kaupunki", "role": "lead"}],
    "funding_sources": [{"code": "esr", "name": "ESR+", "kind": "esr", "share_percent": "100"}],
    "reporting_calendar": {"calendar_start": "2026-01-01", "calendar_end": "2027-12-31"},
}


def store(name: str) -> FastAPI:
    """A service keeping projects in memory; ``app.state.fail[(method, kind)]`` makes a call fail
    with that status, ``app.state.slow[(method, kind)]`` answers it late (after doing it)."""
    app = FastAPI()
    app.state.projects, app.state.fail, app.state.slow, app.state.calls = {}, {}, {}, []

    async def act(request: Request, kind: str, code: str, body: Any = None) -> Response:
        key = (request.method, kind)
        app.state.calls.append(key)
        if key in app.state.fail:
            status = app.state.fail[key]
            return JSONResponse({"type": "x/boom", "status": status, "detail": f"{name} broke"}, status)
        if request.method == "DELETE":
            found = app.state.projects.pop(code, None)
            answer: Response = Response(status_code=204 if found else 404)
        elif request.method == "GET":
            found = app.state.projects.get(code)
            answer = JSONResponse(found) if found else JSONResponse({"detail": "no"}, 404)
        elif code in app.state.projects and kind == "project":
            answer = JSONResponse({"detail": "exists", "type": "x/exists"}, 409)
        else:
            app.state.projects[code] = {"code": code, "project_code": code, **(body or {})}
            answer = JSONResponse(app.state.projects[code], 201 if kind == "project" else 200)
        if key in app.state.slow:
            await asyncio.sleep(app.state.slow[key])
        return answer

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/projects")
    async def create(request: Request) -> Response:
        body = await request.json()
        return await act(request, "project", body["code"], body)

    @app.api_route("/projects/{code}", methods=["GET", "DELETE"])
    async def one(code: str, request: Request) -> Response:
        return await act(request, "project", code)

    @app.put("/projects/{code}/calendar")
    async def calendar(code: str, request: Request) -> Response:
        return await act(request, "calendar", code, await request.json())

    return app


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, ServerThread]]:
    names = ("budget", "pilots", "participants", "reports")
    servers = {name: ServerThread(store(name)).start() for name in names}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture
async def client(services: dict[str, ServerThread]) -> AsyncIterator[httpx.AsyncClient]:
    for server in services.values():
        for part in ("projects", "fail", "slow"):
            getattr(server.app.state, part).clear()
        server.app.state.calls.clear()
    settings = gateway_settings({n: s.url for n, s in services.items()}, upstream_timeout_seconds=0.5)
    async with running(create_app(settings)) as c:
        c.headers.update(bearer(settings, "project_manager"))
        yield c


def held(services: dict[str, ServerThread]) -> dict[str, list[str]]:
    return {n: sorted(s.app.state.projects) for n, s in services.items() if n != "participants"}


async def test_all_steps_done(client: httpx.AsyncClient, services: dict[str, ServerThread]) -> None:
    r = await client.post("/api/v1/projects", json=BODY)
    assert r.status_code == 201, r.text
    assert held(services) == {"budget": ["S40001"], "pilots": ["S40001"], "reports": ["S40001"]}
    assert services["pilots"].app.state.projects["S40001"] == {
        "code": "S40001",
        "project_code": "S40001",
        "name": "Kokeiluhanke",
        "period_start": "2026-01-01",
        "period_end": "2027-12-31",
    }
    assert "reporting_calendar" not in services["budget"].app.state.projects["S40001"]


@pytest.mark.parametrize(("service", "status"), [("pilots", 500), ("reports", 500), ("reports", 503)])
async def test_a_5xx_at_a_later_step_undoes_the_earlier(
    client: httpx.AsyncClient, services: dict[str, ServerThread], service: str, status: int
) -> None:
    kind = "project" if service == "pilots" else "calendar"
    services[service].app.state.fail[("POST" if kind == "project" else "PUT", kind)] = status
    r = await client.post("/api/v1/projects", json=BODY)
    assert r.status_code == 502, r.text
    problem = r.json()
    assert problem["service"] == service and problem["left_in"] == []
    assert f"The {service} service failed (it answered {status})" in problem["detail"]
    assert held(services) == {"budget": [], "pilots": [], "reports": []}
    assert ("DELETE", "project") in services["budget"].app.state.calls


async def test_a_timeout_at_step_2_is_undone_there_too(
    client: httpx.AsyncClient, services: dict[str, ServerThread]
) -> None:
    services["pilots"].app.state.slow[("POST", "project")] = 1.0  # created, answered too late
    r = await client.post("/api/v1/projects", json=BODY)
    assert r.status_code == 504 and r.json()["service"] == "pilots", r.text
    await asyncio.sleep(1.2)
    assert held(services) == {"budget": [], "pilots": [], "reports": []}
    assert services["pilots"].app.state.calls == [("POST", "project"), ("DELETE", "project")]


async def test_an_undo_that_fails_is_named(
    client: httpx.AsyncClient, services: dict[str, ServerThread]
) -> None:
    services["reports"].app.state.fail[("PUT", "calendar")] = 500
    services["budget"].app.state.fail[("DELETE", "project")] = 500
    r = await client.post("/api/v1/projects", json=BODY)
    assert r.status_code == 502 and r.json()["left_in"] == ["budget"], r.text
    assert "is left in budget" in r.json()["detail"]
    assert held(services) == {"budget": ["S40001"], "pilots": [], "reports": []}


async def test_bad_input_and_roles_touch_nothing(
    client: httpx.AsyncClient, services: dict[str, ServerThread]
) -> None:
    for bad in ({**BODY, "period_end": "2025-01-01"}, {**BODY, "code": "no spaces"}, {**BODY, "extra": 1}):
        r = await client.post("/api/v1/projects", json=bad)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    settings = gateway_settings({n: s.url for n, s in services.items()})
    steering = bearer(settings, "steering")
    assert (await client.post("/api/v1/projects", json=BODY, headers=steering)).status_code == 403
    assert all(not s.app.state.calls for s in services.values())
