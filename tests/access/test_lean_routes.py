"""Every lean route (hanke_libs.leanroute, ADR 0011) answers as its full FastAPI handler does.

The hot reads skip FastAPI's dependency solving: their lean handlers call the route's dependency
functions themselves. In the whole product (tests/access/world.py), every lean route of every app (and
of the gateway) is called as every identity, with no token and with a forged one, on side A's object, side B's, an
unknown id and an id its path field refuses, once with the lean handlers on and once with them off
(``app.state.lean_routes``): the status, the body (less the request id), the media type and the
ETag must be the same, and the read log must grow alike.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from sqlalchemy import text

from hanke_libs import leanroute
from hanke_libs.db import Database, standalone_database
from hanke_libs.leanroute import LeanRoute
from hanke_libs.testing import bearer
from tests.access.world import IDENTITIES, World

APPS = ("budget", "pilots", "participants", "reports", "gateway")
# The front ends' hot reads (benchmarks/hot_reads.py); a new lean route is added here knowingly.
LEAN = {
    ("budget", "/projects/{code}"),
    ("pilots", "/pilots/{pilot_id}"),
    ("pilots", "/projects/{code}/pilots"),
    ("participants", "/people"),
    ("participants", "/people/{person_id}"),
    ("participants", "/champions/{champion_id}"),
    ("gateway", "/api/v1/views/projects/{code}/situation"),
}
# Lean routes of routers included under a prefix keep their place (hanke_libs.leanroute.hoist).
HOISTED = {(name, path) for name, path in LEAN if name != "gateway"}


def lean_routes(app: Any) -> list[tuple[str, set[str]]]:
    """The template (as requests reach it) and methods of every lean route of ``app``."""
    routes = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        lean = isinstance(route, LeanRoute) and getattr(route.endpoint, "__hanke_lean__", None)
        if lean and not leanroute.is_hoisted(route):
            routes.append((context.path, context.methods))
    return routes


def targets(world: World, path: str) -> list[tuple[str, bool]]:
    """The paths to try for a route template, each with whether its path field refuses it: side A,
    side B, unknown, and one the path field refuses (which the full handler answers with a 422)."""
    values = {
        "{code}": ["S21894", "NO-SUCH"],
        "{pilot_id}": [world.ids["pilot_id"], world.side_b["pilot_id"], "0" * 36],
        "{person_id}": [world.person["champion"], world.person["pilot_owner"], "no-such-person"],
        "{champion_id}": [world.ids["champion_id"], world.side_b["champion_id"], "no-such"],
    }
    refused = {"{code}": "x" * 41, "{pilot_id}": "x" * 37, "{person_id}": None, "{champion_id}": None}
    for name, options in values.items():
        if name in path:
            tried = [(path.replace(name, option), False) for option in options]
            bad = refused[name]
            return tried + ([(path.replace(name, bad), True)] if bad else [])
    assert "{" not in path, f"no values for {path}"
    return [(path, False)]


def callers(world: World) -> dict[str, dict[str, str]]:
    headers = {identity: world.headers(identity) for identity in IDENTITIES}
    forged = bearer(world.system.settings, "admin", subject="x")["Authorization"][:-4] + "AAAA"
    return {**headers, "no token": {}, "forged token": {"Authorization": forged}}


def answer(response: httpx.Response) -> tuple[Any, ...]:
    body = response.json()
    if isinstance(body, dict):
        body.pop("request_id", None)
    return (response.status_code, response.headers.get("content-type"), response.headers.get("etag"), body)


def differ(one: httpx.Response, other: httpx.Response) -> str:
    """Where two answers differ, for the failure message."""
    a, b = answer(one), answer(other)
    if a[:3] != b[:3]:
        return f"{a[:3]} != {b[:3]}"
    if isinstance(a[3], dict) and isinstance(b[3], dict):
        return "; ".join(
            f"{k}: {a[3].get(k)!r} != {b[3].get(k)!r}"
            for k in a[3].keys() | b[3].keys()
            if a[3].get(k) != b[3].get(k)
        )
    return "bodies differ"


async def read_log_rows(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM person_read_log"))).scalar_one())


async def test_every_lean_route_answers_as_its_full_handler(world: World) -> None:
    found = set()
    tried = 0
    participants_url = world.system.servers["participants"].app.state.settings.resolved_database_url()
    async with standalone_database(participants_url) as db:
        tried = await try_every_lean_route(world, db, found)
    assert found == LEAN
    assert tried == 20 * len(callers(world))  # 20 paths of the 7 routes


def observe(app: Any) -> list[bool]:
    """Whether each request ``app`` answers was answered by a lean handler (its scope says so)."""
    seen: list[bool] = []
    inner = app.router.middleware_stack

    async def observed(scope: Any, receive: Any, send: Any) -> None:
        await inner(scope, receive, send)
        seen.append(bool(scope.get(leanroute.LEAN_SCOPE_KEY)))

    app.router.middleware_stack = observed
    return seen


async def settled(seen: list[bool], count: int) -> None:
    """Wait until the app (in its server's thread) has noted ``count`` requests: it notes one
    after the answer is sent, so the client may read the answer first."""
    for _ in range(2000):
        if len(seen) >= count:
            return
        await asyncio.sleep(0.001)


async def try_every_lean_route(world: World, db: Database, found: set[Any]) -> int:
    tried = 0
    for name in APPS:
        gateway = name == "gateway"
        app = world.system.gateway if gateway else world.system.servers[name].app
        client = world.system.client if gateway else world.system.direct[name]
        lean_calls = observe(app)
        # The running app tries its lean routes first (hanke_libs.leanroute.hoist, at startup).
        first = {r.path for r in app.router.routes if leanroute.is_hoisted(r)}
        assert first == {p for n, p in HOISTED if n == name}, name
        for template, methods in lean_routes(app):
            assert methods == {"GET"}, f"{name} {template}: only reads are lean"
            found.add((name, template))
            for path, refused in targets(world, template):
                for who, headers in callers(world).items():
                    before = await read_log_rows(db)
                    lean_calls.clear()
                    lean = await client.get(path, headers=headers)
                    await settled(lean_calls, 1)
                    assert lean_calls == [not refused], f"{name} GET {path}: the wrong path answered"
                    logged_lean = await read_log_rows(db) - before
                    app.state.lean_routes = False
                    try:
                        full = await client.get(path, headers=headers)
                        await settled(lean_calls, 2)
                        assert lean_calls[1:] == [False], f"{name} GET {path}: not the full path"
                    finally:
                        app.state.lean_routes = True
                    logged_full = await read_log_rows(db) - before - logged_lean
                    assert answer(lean) == answer(full), f"{name} GET {path} as {who}: {differ(lean, full)}"
                    assert logged_lean == logged_full, f"{name} GET {path} as {who}: read log"
                    tried += 1
    return tried
