"""No route hands its request to the threadpool.

FastAPI runs a plain ``def`` endpoint or dependency in a worker thread: a thread switch and a GIL
hand-over on every request (measured in ``benchmarks/data_path.py``: ~10 % of a hot read's CPU).
Nothing the services do per request blocks, so every endpoint and every dependency is ``async``.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from tests.access.test_inventory import APPS, build


def _is_async(call: Any) -> bool:
    # A class instance (HTTPBearer) is awaited through its __call__ method.
    method = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
    return inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method)


def _sync_calls(dependant: Dependant) -> set[str]:
    found: set[str] = set()
    for dep in dependant.dependencies:
        if dep.call is not None and not _is_async(dep.call):
            found.add(f"{getattr(dep.call, '__module__', '?')}.{getattr(dep.call, '__qualname__', dep.call)}")
        found |= _sync_calls(dep)
    return found


def sync_parts(app: FastAPI) -> dict[str, set[str]]:
    """Route -> the sync endpoint and dependencies it would run in the threadpool."""
    found: dict[str, set[str]] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, FastAPI):
            found |= {route.path + k: v for k, v in sync_parts(route.app).items()}
            continue
        if not isinstance(route, APIRoute):
            continue
        calls = _sync_calls(route.dependant)
        if not _is_async(route.endpoint):
            calls.add(f"endpoint {route.endpoint.__qualname__}")
        if calls:
            found[f"{sorted(route.methods)} {route.path}"] = calls
    return found


def test_the_check_sees_a_sync_dependency() -> None:
    from fastapi import Depends

    app = FastAPI()

    def blocking() -> int:
        return 1

    @app.get("/x")
    async def x(_: int = Depends(blocking)) -> int:
        return 1

    assert sync_parts(app) == {
        "['GET'] /x": {f"{__name__}.test_the_check_sees_a_sync_dependency.<locals>.blocking"}
    }


@pytest.mark.parametrize("app_name", APPS)
def test_no_route_runs_in_the_threadpool(app_name: str, tmp_path: Path) -> None:
    offenders = sync_parts(build(app_name, tmp_path))
    assert not offenders, (
        f"{app_name}: make these async (they run in the threadpool per request): {offenders}"
    )
