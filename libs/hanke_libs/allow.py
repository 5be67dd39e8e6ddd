"""OPTIONS and 405 with the complete ``Allow`` header, for every app (installed by the app factory).

Starlette answers a method it does not route with a 405 naming only the methods of the *first* route
whose path matched: ``OPTIONS /projects`` said ``Allow: POST`` although GET is served too. Here:

- ``OPTIONS`` on any path some route serves → 204 with ``Allow`` listing every method of every route
  matching that path, plus OPTIONS (a route that declares OPTIONS itself still answers it); a route
  with a fixed word where another has a parameter shadows it (``/people/pseudonymise-ended`` does
  not offer ``GET /people/{person_id}``);
- any other method no route serves there → 405 problem document with the same complete ``Allow``;
- a path no route serves → 404 as before.

Only the 405 path does any work (a status-code handler), so routed requests pay nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.routing import compile_path

try:  # FastAPI >= 0.160 keeps included routers as nodes; this walks them (as OpenAPI does)
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI flattens routes itself

    def iter_route_contexts(routes: Sequence[Any]) -> Iterator[Any]:  # type: ignore[misc]
        return iter(routes)


from hanke_libs.problems import TYPE_BASE, problem_response

__all__ = ["allowed_methods", "install_allow_handling"]

_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _sorted(methods: Iterable[str]) -> list[str]:
    return sorted(set(methods), key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m))


def allowed_methods(scope: Mapping[str, Any], routes: Iterable[Any]) -> list[str]:
    """Every method served at the scope's path by ``routes``, in a stable order.

    Empty when no route serves the path; otherwise OPTIONS is included (this module answers it).
    Routes of included routers are walked the way FastAPI's OpenAPI generation walks them.
    """
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    matching: dict[str, set[str]] = {}
    for route in iter_route_contexts(list(routes)):
        template, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if template and methods and _regex(template).match(path):
            matching.setdefault(template, set()).update(methods)
    found = {
        method
        for template, methods in matching.items()
        if not any(_shadows(other, template) for other in matching)
        for method in methods
    }
    return _sorted(found | {"OPTIONS"}) if found else []


def _shadows(literal: str, template: str) -> bool:
    """Whether ``literal`` names a segment as a fixed word where ``template`` has a parameter, and
    agrees with it elsewhere: ``/people/pseudonymise-ended`` shadows ``/people/{person_id}`` (the
    word is an action, not a person id), so OPTIONS there does not offer the person's methods."""
    ours, theirs = literal.split("/"), template.split("/")
    if literal == template or len(ours) != len(theirs):
        return False
    fixed_here = False
    for mine, other in zip(ours, theirs, strict=True):
        if _is_param(mine) and not _is_param(other):
            return False
        fixed_here = fixed_here or (not _is_param(mine) and _is_param(other))
    return fixed_here


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


@functools.lru_cache(maxsize=1024)
def _regex(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    allow = allowed_methods(request.scope, request.app.router.routes)
    header = {"Allow": ", ".join(allow)} if allow else {}
    if request.method == "OPTIONS" and allow:
        return Response(status_code=204, headers=header)
    return problem_response(
        {
            "type": TYPE_BASE + "method-not-allowed",
            "title": "Method not allowed",
            "status": 405,
            "detail": f"{request.method} is not served at {request.url.path}"
            + (f"; it allows {', '.join(allow)}." if allow else "."),
            "instance": request.url.path,
            "allowed_methods": allow,
        },
        header,
    )


def install_allow_handling(app: FastAPI) -> None:
    """Answer OPTIONS (204) and every 405 (problem) of ``app`` with the complete ``Allow``."""
    app.add_exception_handler(405, _method_not_allowed)
