"""OPTIONS and 405 carry the complete Allow (Starlette named only the first matching route's methods:
``OPTIONS /projects`` said ``Allow: POST`` though GET is served)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Response

from hanke_libs.app import create_base_app
from hanke_libs.settings import AppSettings
from hanke_libs.testing import running


def make_app() -> FastAPI:
    app = create_base_app(
        name="allow-test",
        title="allow",
        version="0",
        description="",
        settings=AppSettings(log_json=False),
        use_database=False,
    )
    router = APIRouter()

    @router.post("/projects", status_code=201)
    async def create() -> dict[str, str]:  # registered first, as in the budget service
        return {"status": "created"}

    @router.get("/projects")
    async def listing() -> list[str]:
        return []

    @router.get("/projects/{code}")
    async def read(code: str) -> dict[str, str]:
        return {"code": code}

    @router.patch("/projects/{code}")
    async def patch(code: str) -> dict[str, str]:
        return {"code": code}

    @router.delete("/projects/{code}", status_code=204)
    async def remove(code: str) -> None:
        return None

    @router.post("/projects/archive-ended")  # a fixed word where /projects/{code} has a parameter
    async def archive() -> dict[str, str]:
        return {}

    @router.options("/custom")
    async def custom_options() -> Response:
        return Response(status_code=200, headers={"Allow": "OPTIONS, GET", "X-Custom": "1"})

    @router.get("/custom")
    async def custom() -> dict[str, str]:
        return {}

    app.include_router(router)
    nested = APIRouter()

    @nested.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @nested.put("/things/{thing_id}")
    async def put_thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    outer = APIRouter(prefix="/v2")
    outer.include_router(nested, prefix="/inner")
    app.include_router(outer)
    return app


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as c:
        yield c


async def test_options_lists_every_method_of_the_path(api: httpx.AsyncClient) -> None:
    listing = await api.options("/projects")
    assert listing.status_code == 204 and listing.content == b""
    assert listing.headers["allow"] == "GET, POST, OPTIONS"
    item = await api.options("/projects/S21894")
    assert item.status_code == 204 and item.headers["allow"] == "GET, PATCH, DELETE, OPTIONS"
    nested = await api.options("/v2/inner/things/5")
    assert nested.status_code == 204 and nested.headers["allow"] == "GET, PUT, OPTIONS"
    health = await api.options("/livez")
    assert health.status_code == 204 and health.headers["allow"] == "GET, OPTIONS"


async def test_a_fixed_word_shadows_the_parameter_route_it_also_matches(api: httpx.AsyncClient) -> None:
    action = await api.options("/projects/archive-ended")
    assert action.status_code == 204 and action.headers["allow"] == "POST, OPTIONS"
    item = await api.options("/projects/S21894")  # the action does not leak into the item either
    assert item.headers["allow"] == "GET, PATCH, DELETE, OPTIONS"


async def test_options_needs_no_token_and_unknown_paths_stay_404(api: httpx.AsyncClient) -> None:
    assert (await api.options("/nowhere")).status_code == 404
    assert (await api.options("/projects/a/b")).status_code == 404


async def test_a_route_declaring_options_answers_it(api: httpx.AsyncClient) -> None:
    custom = await api.options("/custom")
    assert custom.status_code == 200 and custom.headers["x-custom"] == "1"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/projects", "GET, POST, OPTIONS"),
        ("DELETE", "/projects", "GET, POST, OPTIONS"),
        ("POST", "/projects/S1", "GET, PATCH, DELETE, OPTIONS"),
        ("PUT", "/livez", "GET, OPTIONS"),
        ("DELETE", "/v2/inner/things/5", "GET, PUT, OPTIONS"),
    ],
)
async def test_405_is_a_problem_with_the_complete_allow(
    api: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await api.request(method, path)
    assert response.status_code == 405 and response.headers["allow"] == allow
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/method-not-allowed") and body["allowed_methods"] == allow.split(", ")
    assert method in body["detail"] and allow in body["detail"]
