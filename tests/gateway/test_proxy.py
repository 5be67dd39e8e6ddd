"""The proxy path: routing, forwarded headers, rewritten Location/Link, upstream failures, CORS."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from gateway.main import create_app
from hanke_libs.testing import bearer, running
from tests.gateway.conftest import ORIGIN, gateway_settings
from tests.gateway.servers import ServerThread, free_port
from tests.gateway.stubs import budget_stub

Auth = Callable[..., dict[str, str]]


async def test_forwards_method_path_query_body_and_headers(client: httpx.AsyncClient, auth: Auth) -> None:
    headers = {
        **auth("project_manager"),
        "Content-Type": "application/json",
        "Accept": "application/json",
        "If-Match": '"6"',
        "If-None-Match": '"5"',
        "X-Request-ID": "req-123",
        "X-Internal": "dropped",
    }
    response = await client.patch(
        "/api/v1/pilots/echo/a%20b/c?x=1&y=%C3%A4", content=b'{"stage": "trial"}', headers=headers
    )
    assert response.status_code == 200
    echo = response.json()
    assert echo["method"] == "PATCH"
    assert echo["path"] == "/echo/a b/c"
    assert echo["query"] == "x=1&y=%C3%A4"
    assert echo["body"] == '{"stage": "trial"}'
    sent = echo["headers"]
    assert sent["authorization"] == headers["Authorization"]
    assert sent["content-type"] == "application/json"
    assert sent["if-match"] == '"6"' and sent["if-none-match"] == '"5"'
    assert sent["x-request-id"] == "req-123" == response.headers["x-request-id"]
    assert response.headers["etag"] == '"7"'
    disposition = dict(response.headers.raw)[b"content-disposition"]
    assert disposition == 'attachment; filename="v\u00e4li.json"'.encode("latin-1")  # byte for byte
    assert "x-internal" not in response.headers
    # Link targets on the upstream are rewritten under the gateway's prefix; foreign ones stay.
    assert response.headers["link"] == (
        '</api/v1/pilots/echo/list?offset=20>; rel="next", <http://elsewhere.example/x>; rel="help"'
    )


async def test_gateway_request_id_reaches_upstream(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/v1/budget/echo/x", headers=auth("finance"))
    assert response.json()["headers"]["x-request-id"] == response.headers["x-request-id"]


async def test_each_prefix_reaches_its_service(
    client: httpx.AsyncClient, auth: Auth, stubs: dict[str, ServerThread]
) -> None:
    for service in ("budget", "pilots", "participants"):
        response = await client.get(f"/api/v1/{service}/projects/S21894", headers=auth("admin"))
        if service == "participants":
            assert response.status_code == 404  # the participants stub has no such path
        else:
            assert response.status_code == 200
        assert stubs[service].app.state.calls[-1][1] == "/projects/S21894"


async def test_location_is_rewritten(client: httpx.AsyncClient, auth: Auth) -> None:
    created = await client.post("/api/v1/budget/items", json={}, headers=auth("finance"))
    assert created.status_code == 201
    assert created.headers["location"] == "/api/v1/budget/items/42"
    assert created.headers["etag"] == '"1"'
    absolute = await client.post("/api/v1/budget/items-absolute", json={}, headers=auth("finance"))
    assert absolute.headers["location"] == "http://testserver/api/v1/budget/items/43"


async def test_not_modified_no_content_and_head(client: httpx.AsyncClient, auth: Auth) -> None:
    item = await client.get("/api/v1/budget/items/1", headers=auth("finance"))
    assert item.status_code == 200 and item.headers["etag"] == '"1"'
    cached = await client.get("/api/v1/budget/items/1", headers={**auth("finance"), "If-None-Match": '"1"'})
    assert cached.status_code == 304 and cached.headers["etag"] == '"1"' and cached.content == b""
    deleted = await client.delete("/api/v1/budget/items/1", headers=auth("finance"))
    assert deleted.status_code == 204 and deleted.content == b""
    assert "content-length" not in deleted.headers
    head = await client.head("/api/v1/budget/echo/x", headers=auth("finance"))
    assert head.status_code in (200, 405) and head.content == b""


async def test_scim_keeps_its_own_path(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post(
        "/scim/v2/Users",
        json={"userName": "x"},
        headers={**auth("hr_sync"), "Content-Type": "application/scim+json"},
    )
    assert response.status_code == 201
    assert response.headers["location"] == "http://testserver/scim/v2/Users/u1"


async def test_upstream_problem_passes_through(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/v1/budget/conflict", headers=auth("finance"))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The claim is locked."


async def test_no_token_is_rejected_before_the_upstream(
    client: httpx.AsyncClient, stubs: dict[str, ServerThread]
) -> None:
    response = await client.get("/api/v1/budget/echo/x")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert stubs["budget"].app.state.calls == []


async def test_slow_upstream_is_504_problem(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/v1/budget/slow", headers=auth("finance"))
    assert response.status_code == 504
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["type"].endswith("/upstream-timeout") and body["service"] == "budget"


async def test_upstream_stopped_mid_test_is_503_problem(auth: Auth) -> None:
    budget = ServerThread(budget_stub()).start()
    settings = gateway_settings({"budget": budget.url, "pilots": budget.url, "participants": budget.url})
    try:
        async with running(create_app(settings)) as client:
            assert (await client.get("/api/v1/budget/echo/1", headers=auth("finance"))).status_code == 200
            budget.stop()
            for _ in range(3):  # the pooled connection and fresh ones alike
                response = await client.get("/api/v1/budget/echo/1", headers=auth("finance"))
                assert response.status_code == 503
                assert response.json()["type"].endswith("/upstream-unavailable")
                assert response.headers["content-type"] == "application/problem+json"
            restarted = ServerThread(budget_stub(), port=budget.port).start()
            try:
                response = await client.get("/api/v1/budget/echo/1", headers=auth("finance"))
                assert response.status_code == 200
            finally:
                restarted.stop()
    finally:
        if budget.thread.is_alive():
            budget.stop()


async def test_unreachable_upstream_is_503_not_a_hang() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = gateway_settings({"budget": dead, "pilots": dead, "participants": dead})
    async with running(create_app(settings)) as client:
        response = await client.get("/api/v1/pilots/pilots", headers=bearer(settings, "admin"))
        assert response.status_code == 503


async def test_cors_preflight_and_exposed_headers(client: httpx.AsyncClient, auth: Auth) -> None:
    preflight = await client.options(
        "/api/v1/budget/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    response = await client.get("/api/v1/budget/echo/x", headers={**auth("finance"), "Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "link", "location"} <= exposed
    foreign = await client.get(
        "/api/v1/budget/echo/x", headers={**auth("finance"), "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in foreign.headers


async def test_scim_errors_are_scim_errors(stubs: dict[str, ServerThread]) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = gateway_settings({n: s.url for n, s in stubs.items()} | {"participants": dead})
    async with running(create_app(settings)) as client:
        response = await client.get("/scim/v2/Users", headers=bearer(settings, "hr_sync"))
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/scim+json"
        assert response.json()["status"] == "503" and "participants" in response.json()["detail"]
        problem = await client.get("/api/v1/participants/me", headers=bearer(settings, "champion"))
        assert problem.status_code == 503 and problem.headers["content-type"] == "application/problem+json"
