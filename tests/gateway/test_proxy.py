"""The proxy path: routing, forwarded headers, rewritten Location/Link, upstream failures, CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

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
    # An absolute link to the service's internal address becomes the gateway's path; the caller's
    # Host header is never used to build it.
    absolute = await client.post(
        "/api/v1/budget/items-absolute", json={}, headers={**auth("finance"), "Host": "evil.example"}
    )
    assert absolute.headers["location"] == "/api/v1/budget/items/43"
    assert absolute.headers["content-location"] == "/api/v1/budget/items/43?view=full"
    # Links the service already built on the gateway's paths are left as they are.
    public = await client.post("/api/v1/budget/items-public", json={}, headers=auth("finance"))
    assert public.headers["location"] == "/api/v1/budget/items/44"
    assert public.headers["link"] == '</api/v1/budget/items?offset=20>; rel="next"'


async def test_links_use_the_configured_public_base(stubs: dict[str, ServerThread]) -> None:
    settings = gateway_settings(
        {n: s.url for n, s in stubs.items()}, public_base_url="https://hanke.kuopio.example"
    )
    async with running(create_app(settings)) as client:
        headers = bearer(settings, "finance")
        absolute = await client.post("/api/v1/budget/items-absolute", json={}, headers=headers)
        relative = await client.post("/api/v1/budget/items", json={}, headers=headers)
        scim = await client.post("/scim/v2/Users", json={}, headers=bearer(settings, "hr_sync"))
    assert absolute.headers["location"] == "https://hanke.kuopio.example/api/v1/budget/items/43"
    assert relative.headers["location"] == "/api/v1/budget/items/42"
    assert scim.json()["meta"]["location"] == "https://hanke.kuopio.example/scim/v2/Users/u1"
    assert scim.headers["location"] == "https://hanke.kuopio.example/scim/v2/Users/u1"


async def test_allow_and_accept_patch_pass_through(client: httpx.AsyncClient, auth: Auth) -> None:
    options = await client.options("/api/v1/budget/methods", headers=auth("finance"))
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, POST, OPTIONS"
    assert options.headers["accept-patch"] == "application/json"
    refused = await client.put("/api/v1/budget/methods", json={}, headers=auth("finance"))
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, POST, OPTIONS"


async def test_encoded_slash_after_the_prefix_is_404_not_a_bad_target(
    client: httpx.AsyncClient, auth: Auth, stubs: dict[str, ServerThread]
) -> None:
    for path in ("/api/v1/budget%2Fecho/x", "/api/v1/budget%2fecho/x", "/scim/v2%2FUsers"):
        response = await client.get(path, headers=auth("admin"))
        assert response.status_code == 404, path
        assert response.headers["content-type"] in ("application/problem+json", "application/scim+json")
    for path in ("/api/v1/budget/echo/%2E%2E/x", "/api/v1/budget/echo/%2e/x"):
        response = await client.get(path, headers=auth("admin"))
        assert response.status_code == 404, path
    assert stubs["budget"].app.state.calls == []  # none of them reached the service
    # An encoded slash inside a segment is forwarded encoded: the service decides.
    inner = await client.get("/api/v1/budget/echo/a%2Fb", headers=auth("admin"))
    assert inner.status_code == 200
    assert stubs["budget"].app.state.calls[-1][1] == "/echo/a/b"


async def test_request_bodies_have_the_services_limits(stubs: dict[str, ServerThread]) -> None:
    defaults = gateway_settings({n: s.url for n, s in stubs.items()})
    assert (defaults.max_upload_bytes, defaults.max_json_bytes) == (50 * 1024 * 1024, 2 * 1024 * 1024)
    settings = gateway_settings(
        {n: s.url for n, s in stubs.items()}, max_upload_bytes=8192, max_json_bytes=4096
    )
    async with running(create_app(settings)) as client:
        headers = bearer(settings, "finance")
        csv = {**headers, "Content-Type": "text/csv"}
        fits = await client.post("/api/v1/budget/upload", content=b"x" * 8192, headers=csv)
        assert fits.status_code == 200 and fits.json() == {"received": 8192}
        for content_type, size in (("text/csv", 8193), ("application/json", 4097)):
            too_large = await client.post(
                "/api/v1/budget/upload",
                content=b"x" * size,
                headers={**headers, "Content-Type": content_type},
            )
            assert too_large.status_code == 413, content_type
            assert too_large.headers["content-type"] == "application/problem+json"

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
            for _ in range(10):
                yield b"x" * 1000

        streamed = await client.post("/api/v1/budget/upload", content=chunks(), headers=csv)
        assert streamed.status_code == 413 and streamed.headers["content-type"] == "application/problem+json"
        deep = await client.post(
            "/api/v1/budget/upload",
            content=b"[" * 100 + b"]" * 100,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert deep.status_code == 400
    assert [c for c in stubs["budget"].app.state.calls if c[1] == "/upload"] == [
        ("POST", "/upload", headers["Authorization"])
    ]  # only the one within the limits reached the service


async def test_scim_keeps_its_own_path_and_links_name_the_gateway(
    client: httpx.AsyncClient, auth: Auth, stubs: dict[str, ServerThread]
) -> None:
    internal = stubs["participants"].url
    response = await client.post(
        "/scim/v2/Users",
        json={"userName": "x"},
        headers={**auth("hr_sync"), "Content-Type": "application/scim+json"},
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/scim/v2/Users/u1"
    assert response.headers["content-location"] == "/scim/v2/Users/u1"
    assert response.headers["content-type"] == "application/scim+json"
    user = response.json()
    assert user["meta"]["location"] == "/scim/v2/Users/u1"
    assert user["manager"]["$ref"] == "/scim/v2/Users/u0"
    assert int(response.headers["content-length"]) == len(response.content)
    listed = await client.get("/scim/v2/Users", headers=auth("hr_sync"))
    assert [u["meta"]["location"] for u in listed.json()["Resources"]] == [
        "/scim/v2/Users/u1",
        "/scim/v2/Users/u2",
    ]
    assert internal not in listed.text and internal not in response.text


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


async def test_only_the_literal_feed_paths_pass_without_a_token(
    client: httpx.AsyncClient, stubs: dict[str, ServerThread]
) -> None:
    feed = await client.get("/api/v1/reports/feeds/abcdefghijklmnopqrstuvwxyz/calendar.ics")
    assert feed.status_code == 200
    # Encoded separators or dots cannot reach another path of the reports service without a token.
    for path in (
        "/api/v1/reports/feeds%2F..%2Fprojects/S21894/calendar",
        "/api/v1/reports/feeds/%2E%2E/projects/S21894/calendar",
        "/api/v1/reports/feeds/x%2F..%2F..%2Fprojects",
    ):
        response = await client.get(path)
        assert response.status_code in (401, 404), path
        assert response.headers["content-type"] == "application/problem+json"
    reached = [c[1] for c in stubs["reports"].app.state.calls]
    assert reached == ["/feeds/abcdefghijklmnopqrstuvwxyz/calendar.ics"]
