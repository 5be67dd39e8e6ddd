"""Hot reads without FastAPI's per-request dependency solving (ADR 0011).

A hot read's route is declared as every other route: its signature documents the path and query
parameters, the security scheme and the responses in OpenAPI, and its endpoint answers whatever
the lean path leaves to it. It also carries a *lean handler* (:func:`lean`): an
``async (request, **path_params) -> Response`` that resolves what the endpoint's dependencies
would (the caller, the scope) by calling those same dependency functions directly, then calls the
endpoint. Routes of a router made with ``route_class=LeanRoute`` try the lean handler first, and
leave the request to FastAPI's full handler when

- the request has a query string (the full handler validates every query parameter);
- a path parameter fails the route's own validation (the full handler answers the 422; a plain
  string field's length range is checked here, any other rule by pydantic);
- the app has dependency overrides, or ``app.state.lean_routes`` is false (the tests compare both
  paths with it).

So the lean handler never validates input itself: what it receives has passed the route's own path
fields, and every other request takes the full path. What it saves is FastAPI's dependency solving
for the common request (a third of a hot read's time in the services, ADR 0011).
"""

from __future__ import annotations

import copy as copy_module
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from annotated_types import MaxLen, MinLen
from fastapi import Request, Response
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute, iter_route_contexts

LeanHandler = Callable[..., Awaitable[Response]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_ATTRIBUTE = "__hanke_lean__"
_HOISTED = "__hanke_hoisted__"  # marks the copies hoist() puts first
LEAN_SCOPE_KEY = "hanke.lean"  # set in the scope of a request the lean handler answered


def lean(handler: LeanHandler) -> Callable[[Endpoint], Endpoint]:
    """Mark an endpoint (below its route decorator) with its lean handler."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _ATTRIBUTE, handler)
        return endpoint

    return mark


def is_hoisted(route: Any) -> bool:
    """Whether ``route`` is a copy :func:`hoist` put first (the original stays where it was)."""
    return bool(getattr(route, _HOISTED, False))


def lean_enabled(app: Any) -> bool:
    return bool(getattr(app.state, "lean_routes", True)) and not app.dependency_overrides


class LeanRoute(APIRoute):
    """An APIRoute that answers through its endpoint's lean handler when it can (module docstring);
    a route without one is a plain APIRoute."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        full = super().get_route_handler()
        handler: LeanHandler | None = getattr(self.endpoint, _ATTRIBUTE, None)
        if handler is None:
            return full
        path_fields = list(self.dependant.path_params)
        lengths = _length_rules(path_fields)

        async def route_handler(request: Request) -> Response:
            if request.scope.get("query_string") or not lean_enabled(request.app):
                return await full(request)
            params = request.path_params
            if lengths is not None:
                values = {}
                for name, low, high in lengths:
                    value = params.get(name)
                    if not isinstance(value, str) or not low <= len(value) <= high:
                        return await full(request)
                    values[name] = value
            else:
                values, errors = request_params_to_args(path_fields, params)
                if errors:
                    return await full(request)
            request.scope[LEAN_SCOPE_KEY] = True  # which path answered, for the tests
            return await handler(request, **values)

        return route_handler


def _length_rules(fields: list[Any]) -> list[tuple[str, int, int]] | None:
    """``(name, min, max)`` of each path field when every one is a plain ``str`` with at most a
    length range, which is checked here without pydantic (``len`` counts code points, as pydantic
    does); None when any field has another type or rule, and pydantic checks them all."""
    rules = []
    for field in fields:
        info = field.field_info
        if info.annotation is not str or (info.alias and info.alias != field.name):
            return None
        low, high = 0, sys.maxsize
        for rule in info.metadata:
            if isinstance(rule, MinLen):
                low = rule.min_length
            elif isinstance(rule, MaxLen):
                high = rule.max_length
            else:
                return None
        rules.append((field.name, low, high))
    return rules


def hoist(app: Any) -> list[str]:
    """Put a copy of each lean route first in ``app``'s routes, out of the schema, so its requests
    skip the walk through the included routers (FastAPI matches every request twice per router it
    passes). A copy is put first only if no route before it could answer one of its requests: for
    each earlier route, its template must differ from the lean one's in a literal segment, or its
    methods must not overlap (``_may_overlap``). Returns the templates hoisted; safe to call again.
    """
    routes = app.router.routes
    routes[:] = [r for r in routes if not is_hoisted(r)]
    earlier: list[tuple[str | None, set[str] | None]] = []
    hoisted: list[APIRoute] = []
    for context in iter_route_contexts(routes):
        route = context.original_route
        path, methods = context.path_format, context.methods
        plain = (
            isinstance(route, LeanRoute)
            and getattr(route.endpoint, _ATTRIBUTE, None) is not None
            and path == route.path_format
            and not context.dependencies
        )
        if plain and not any(_may_overlap(path, methods, p, m) for p, m in earlier):
            assert isinstance(route, LeanRoute)
            copy = copy_module.copy(route)
            copy.include_in_schema = False
            setattr(copy, _HOISTED, True)
            hoisted.append(copy)
        earlier.append((path, methods))
    routes[:0] = hoisted
    return [r.path for r in hoisted]


def _may_overlap(
    path: str | None, methods: set[str] | None, other: str | None, other_methods: set[str] | None
) -> bool:
    """Whether a request could match both templates (conservative: True when unsure)."""
    if path is None or other is None:
        return True
    if methods is not None and other_methods is not None and not methods & other_methods:
        return False
    mine, theirs = path.split("/"), other.split("/")
    if any(":path}" in s for s in (*mine, *theirs)):
        return True
    if len(mine) != len(theirs):
        return False
    return all(a == b or "{" in a or "{" in b for a, b in zip(mine, theirs, strict=True))
