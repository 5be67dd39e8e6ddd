"""The order of an app's routers changes nothing but speed.

Starlette tries routes in order and takes the first that matches, so the services put the routers
of their hot reads first (``benchmarks/data_path.py``: every route tried before the right one costs
a regular-expression match and FastAPI's scope bookkeeping). That is safe only while no router can
take a request meant for another: for every route of every app, a request to its path (each
parameter filled in) with its method is fully matched by its own router and by no other.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match

from hanke_libs import leanroute
from tests.access.test_inventory import APPS, build

IMPLIED = {"HEAD"}


def sample_path(template: str) -> str:
    """The template with each parameter filled in by a value no fixed path segment uses."""
    return re.sub(r"\{[^}]+\}", "x-1", template)


def clashes(app: FastAPI) -> list[str]:
    """Requests for a route of one top-level router that another top-level router also matches."""
    tops: list[BaseRoute] = list(app.router.routes)
    found = []
    for i, top in enumerate(tops):
        for context in iter_route_contexts([top]):
            path = context.path_format or context.path
            if not path:
                continue
            for method in sorted(set(context.methods or ()) - IMPLIED):
                scope = {
                    "type": "http",
                    "path": sample_path(path),
                    "method": method,
                    "root_path": "",
                    "headers": [],
                }
                if top.matches(dict(scope))[0] != Match.FULL:
                    found.append(f"{method} {path}: not matched by its own router")
                for j, other in enumerate(tops):
                    if j != i and other.matches(dict(scope))[0] == Match.FULL:
                        found.append(f"{method} {path} (router {i}) is also matched by router {j}")
    return found


def test_the_check_sees_a_router_taking_another_ones_request() -> None:
    from fastapi import APIRouter

    app = FastAPI()
    words, params = APIRouter(), APIRouter()

    @params.get("/items/{item_id}")
    async def one(item_id: str) -> str:
        return item_id

    @words.get("/items/summary")
    async def summary() -> str:
        return "summary"

    app.include_router(params)
    app.include_router(words)
    n = len(app.router.routes)  # the documentation's routes come first
    assert clashes(app) == [f"GET /items/summary (router {n - 1}) is also matched by router {n - 2}"]


@pytest.mark.parametrize("app_name", APPS)
def test_no_router_takes_another_ones_request(app_name: str, tmp_path: Path) -> None:
    assert clashes(build(app_name, tmp_path)) == []


def samples(templates: list[str]) -> set[str]:
    """Paths for every template: parameters filled with ``x-1``, and each parameter in turn with
    every fixed word another template of the same length has in that place."""
    words: dict[tuple[int, int], set[str]] = {}
    for template in templates:
        parts = template.split("/")
        for i, part in enumerate(parts):
            if "{" not in part:
                words.setdefault((len(parts), i), set()).add(part)
    found = set()
    for template in templates:
        parts = sample_path(template).split("/")
        found.add("/".join(parts))
        for i, part in enumerate(template.split("/")):
            if "{" in part:
                for word in words.get((len(parts), i), ()):
                    found.add("/".join([*parts[:i], word, *parts[i + 1 :]]))
    return found


def first_match(routes: list[BaseRoute], path: str, method: str) -> object:
    """The endpoint of the first route that fully matches, as the router tries them (or None)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
    for context in iter_route_contexts(routes):
        if context.matches(dict(scope))[0] == Match.FULL:
            return context.endpoint
    return None


@pytest.mark.parametrize("app_name", APPS)
def test_hoisting_the_lean_routes_changes_no_route_a_request_reaches(app_name: str, tmp_path: Path) -> None:
    app = build(app_name, tmp_path)
    before = list(app.router.routes)
    hoisted = leanroute.hoist(app)
    assert hoisted == EXPECTED_HOISTED[app_name]
    templates = [c.path_format for c in iter_route_contexts(before) if c.path_format]
    paths = samples(templates)
    assert len(paths) > len(templates)
    for path in paths:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            want = first_match(before, path, method)
            assert first_match(app.router.routes, path, method) is want, f"{method} {path}"


EXPECTED_HOISTED = {
    "budget": ["/projects/{code}"],
    "pilots": ["/projects/{code}/pilots", "/pilots/{pilot_id}"],
    "participants": ["/people", "/people/{person_id}", "/champions/{champion_id}"],
    "reports": [],
    "gateway": [],
}
