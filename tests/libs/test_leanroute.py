"""hanke_libs.leanroute: a lean handler answers the plain request; everything else goes the full way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute, iter_route_contexts

from hanke_libs.leanroute import LeanRoute, _length_rules, _may_overlap, hoist, lean
from hanke_libs.problems import NotFound, install_problem_handlers

Code = Annotated[str, Path(min_length=2, max_length=5)]


async def word(request: Request) -> str:
    return request.headers.get("x-word", "none")


async def _lean(request: Request, code: str) -> Response:
    return await read(code, await word(request), way="lean")


def app_with_lean_route() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter(route_class=LeanRoute)

    @router.get("/things/{code}")
    @lean(_lean)
    async def read_thing(code: Code, said: Annotated[str, Depends(word)], limit: int = 5) -> Response:
        return await read(code, said, way="full", limit=limit)

    @router.get("/plain/{code}")
    async def plain(code: Code) -> dict[str, str]:
        return {"code": code}

    app.include_router(router)
    return app


async def read(code: str, said: str, *, way: str, limit: int = 5) -> Response:
    if code == "gone":
        raise NotFound(f"No thing {code}.")
    return Response(f"{way} {code} {said} {limit}", headers={"X-Way": way})


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with_lean_route())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_the_lean_handler_answers_a_plain_request(client: httpx.AsyncClient) -> None:
    answer = await client.get("/things/abc", headers={"x-word": "hei"})
    assert (answer.status_code, answer.text) == (200, "lean abc hei 5")


async def test_a_query_string_goes_to_the_full_handler(client: httpx.AsyncClient) -> None:
    assert (await client.get("/things/abc?limit=7")).text == "full abc none 7"
    bad = await client.get("/things/abc?limit=x")
    assert bad.status_code == 422


async def test_a_path_parameter_its_field_refuses_goes_to_the_full_handler(client: httpx.AsyncClient) -> None:
    for path in ("/things/a", "/things/abcdef"):
        answer = await client.get(path)
        assert answer.status_code == 422, path
        assert answer.headers["content-type"] == "application/problem+json"


async def test_a_problem_raised_on_the_lean_path_is_a_problem_response(client: httpx.AsyncClient) -> None:
    answer = await client.get("/things/gone")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "No thing gone."


async def test_switched_off_or_overridden_the_full_handler_answers() -> None:
    app = app_with_lean_route()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    app.state.lean_routes = False
    assert (await client.get("/things/abc")).text == "full abc none 5"
    app.state.lean_routes = True
    app.dependency_overrides[word] = lambda: "overridden"
    assert (await client.get("/things/abc")).text == "full abc overridden 5"
    app.dependency_overrides.clear()
    assert (await client.get("/things/abc")).headers["x-way"] == "lean"


async def test_a_route_without_a_lean_handler_is_a_plain_route(client: httpx.AsyncClient) -> None:
    assert (await client.get("/plain/abc")).json() == {"code": "abc"}
    assert (await client.get("/plain/a")).status_code == 422


def test_the_openapi_document_is_the_full_routes() -> None:
    operation = app_with_lean_route().openapi()["paths"]["/things/{code}"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["code", "limit"]


def test_hoisting_puts_a_lean_route_first_unless_an_earlier_route_could_take_its_requests() -> None:
    app = app_with_lean_route()
    assert hoist(app) == ["/things/{code}"] == hoist(app)  # a second call changes nothing
    assert app.router.routes[0].path == "/things/{code}"
    assert sum(c.path == "/things/{code}" for c in iter_route_contexts(app.router.routes)) == 2
    assert list(app.openapi()["paths"]) == ["/things/{code}", "/plain/{code}"]

    shadowed = FastAPI()
    words = APIRouter()

    @words.get("/things/summary")
    async def summary() -> str:
        return "summary"

    shadowed.include_router(words)
    lean_router = APIRouter(route_class=LeanRoute)
    lean_router.add_api_route("/things/{code}", lean(_lean)(_full), methods=["GET"])
    shadowed.include_router(lean_router)
    shadowed.include_router(lean_router, prefix="/v2")
    assert hoist(shadowed) == []  # /things/summary comes first; /v2/things/{code} is not the route's path


async def _full(code: str) -> Response:
    return Response("full")


def test_templates_overlap_unless_a_fixed_word_or_the_methods_differ() -> None:
    assert _may_overlap("/a/{x}", {"GET"}, "/a/b", {"GET"})
    assert not _may_overlap("/a/{x}", {"GET"}, "/a/b", {"POST"})
    assert not _may_overlap("/a/{x}", {"GET"}, "/c/{y}", {"GET"})
    assert not _may_overlap("/a/{x}", {"GET"}, "/a/{x}/b", {"GET"})
    assert _may_overlap("/a/{x}", {"GET"}, "/static/{p:path}", {"GET"})
    assert _may_overlap("/a/{x}", {"GET"}, None, None)


def test_the_length_rule_of_a_path_field_decides_as_pydantic_does() -> None:
    route = next(
        c.original_route
        for c in iter_route_contexts(app_with_lean_route().router.routes)
        if c.path == "/things/{code}"
    )
    assert isinstance(route, APIRoute)
    fields = list(route.dependant.path_params)
    rules = _length_rules(fields)
    assert rules == [("code", 2, 5)]
    for value in ["", "a", "ab", "abcde", "abcdef", "äö", "😀😀", "a\n", "a b", "%2F", "ab/c"]:
        _, errors = request_params_to_args(fields, {"code": value})
        assert (2 <= len(value) <= 5) is (not errors), repr(value)

    patterned = FastAPI()  # a pattern (the gateway's project code) is left to pydantic

    @patterned.get("/p/{code}")
    async def by_code(code: Annotated[str, Path(max_length=5, pattern="^[a-z]+$")]) -> str:
        return code

    route_fields = [f for r in patterned.routes if isinstance(r, APIRoute) for f in r.dependant.path_params]
    assert route_fields and _length_rules(route_fields) is None
