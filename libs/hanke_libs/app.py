"""The app factory every service and the gateway build on.

It wires the same infrastructure into each app: JSON logs, request ids, problem details for every
error (and in OpenAPI), OPTIONS and 405 with the complete ``Allow``, request body limits (size, JSON
depth), bearer authentication, the database and its session dependency, ``/livez`` and ``/readyz``,
Prometheus metrics at ``/metrics`` (``hanke_libs.metrics``) and, when a collector is configured,
OpenTelemetry traces (``hanke_libs.telemetry``).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from hanke_libs import leanroute, metrics, telemetry
from hanke_libs.allow import install_allow_handling
from hanke_libs.auth import TokenVerifier
from hanke_libs.db import Database
from hanke_libs.fastread import close_read_pool, open_read_pool
from hanke_libs.limits import RequestLimits, RequestLimitsMiddleware
from hanke_libs.observability import RequestIdMiddleware, configure_logging
from hanke_libs.openapi_links import finish_document
from hanke_libs.peers import PeerClient
from hanke_libs.problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_RESPONSES,
    install_problem_handlers,
    problem_response,
)
from hanke_libs.settings import AppSettings

ReadyCheck = Callable[[FastAPI], Awaitable[dict[str, Any]]]
Hook = Callable[[FastAPI], Awaitable[None]]

HEALTH_TAG = {"name": "health", "description": "Liveness and readiness probes (no authentication)."}


def _problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """OpenAPI where every error response is documented as ``application/problem+json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
        )
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for code, response in operation["responses"].items():
                    if code.startswith(("4", "5")):
                        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}}
                        if code == "422":
                            response["description"] = "Invalid input (problem details with errors)"
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        finish_document(schema)
        app.openapi_schema = schema
        return schema

    return openapi


def create_base_app(
    *,
    name: str,
    title: str,
    version: str,
    description: str,
    settings: AppSettings,
    openapi_tags: list[dict[str, Any]] | None = None,
    use_database: bool = True,
    ready_checks: dict[str, ReadyCheck] | None = None,
    on_startup: list[Hook] | None = None,
    on_shutdown: list[Hook] | None = None,
    verifier: TokenVerifier | None = None,
    peers: dict[str, str] | None = None,
    request_limits: bool = True,
) -> FastAPI:
    """A FastAPI app with the shared infrastructure installed.

    The database engine and token verifier are made in the lifespan and kept on ``app.state``
    (``db``, ``verifier``, ``settings``). Tests may set ``app.state.db`` before the lifespan runs
    to inject their own. ``peers`` names the other services this one asks for facts (name -> base
    URL); their clients are ``app.state.peers`` (tests may set it before the lifespan runs).
    ``request_limits`` installs :mod:`hanke_libs.limits` (body size and JSON depth from
    ``settings``); an app that enforces the same limits elsewhere may turn it off.
    """
    configure_logging(name, settings.log_level, settings.log_json)
    metrics.set_process_app(name)
    tracer_provider = telemetry.tracer_provider_for(name, settings, version)
    own_tracer_provider = tracer_provider is not None and not telemetry.is_override(tracer_provider)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.verifier = getattr(app.state, "verifier", None) or verifier or TokenVerifier(settings)
        own_db = False
        if use_database and getattr(app.state, "db", None) is None:
            app.state.db = Database(
                settings.resolved_database_url(),
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_pool_overflow,
                null_pool=settings.db_null_pool,
                pgbouncer=settings.db_pgbouncer,
            )
            own_db = True
        if use_database and own_db and not settings.db_null_pool:
            await open_read_pool(app.state.db, settings.db_read_pool_size, pgbouncer=settings.db_pgbouncer)
        own_peers = getattr(app.state, "peers", None) is None
        if own_peers:
            app.state.peers = {
                name: PeerClient(
                    name,
                    url,
                    timeout_seconds=settings.peer_timeout_seconds,
                    cache_seconds=settings.peer_cache_seconds,
                )
                for name, url in (peers or {}).items()
            }
        if tracer_provider is not None:
            if use_database and app.state.db is not None:
                telemetry.instrument_engine(app.state.db.engine, tracer_provider)
            for client in (app.state.peers or {}).values():
                telemetry.instrument_httpx(client.http, tracer_provider)
        for hook in on_startup or []:
            await hook(app)
        leanroute.hoist(app)  # every router is included by now
        # What startup built (modules, schemas, routes) lives as long as the process: move it out
        # of the collector's generations, so a full collection under load walks only the objects
        # made since (ADR 0011: the pilot read's p99 at 8 connections fell from 90-100 ms to 12-14).
        # Shutdown gives them back, so an app started and stopped in a longer process (the tests)
        # can still be collected. (No gc.collect() first: a full collection here costs ~0.1-0.3 s
        # per start, and what little garbage is frozen with the rest is given back at shutdown.)
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            for hook in on_shutdown or []:
                await hook(app)
            if own_peers:
                for client in app.state.peers.values():
                    await client.aclose()
                app.state.peers = None
            if own_db:
                await close_read_pool(app.state.db)
                await app.state.db.dispose()
                app.state.db = None
            if own_tracer_provider and tracer_provider is not None:
                tracer_provider.shutdown()  # flushes the spans still queued

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        openapi_tags=[HEALTH_TAG, *(openapi_tags or [])],
        responses=PROBLEM_RESPONSES,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = None
    app.state.verifier = verifier
    app.state.peers = None
    app.state.tracer_provider = tracer_provider
    app.state.scrape_gauges = []
    if request_limits:  # inside the request id, so its problems name the request
        app.add_middleware(RequestLimitsMiddleware, limits=RequestLimits.from_settings(settings))
    app.add_middleware(
        RequestIdMiddleware,
        app_name=name,
        tracer=tracer_provider.get_tracer("hanke") if tracer_provider is not None else None,
    )
    if tracer_provider is not None:  # outside the request ids: they and the access log run in the span
        telemetry.install_server_tracing(app, tracer_provider)
    install_problem_handlers(app)
    install_allow_handling(app)
    app.openapi = _problem_openapi(app)  # type: ignore[method-assign]

    checks: dict[str, ReadyCheck] = dict(ready_checks or {})
    if use_database:

        async def database_check(app: FastAPI) -> dict[str, Any]:
            await app.state.db.ping()
            return {"status": "ok", "backend": app.state.db.backend}

        checks = {"database": database_check, **checks}

    app.include_router(health_router(checks))
    app.include_router(metrics.metrics_router(name))
    if use_database:
        metrics.register_scrape_gauge(
            app, "hanke_audit_entries", "Entries in the append-only audit trail.", metrics.audit_entries
        )
    return app


def health_router(checks: dict[str, ReadyCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/livez", summary="Liveness: the process is up", responses={200: {"description": "alive"}})
    async def livez() -> dict[str, str]:
        return {"status": "alive"}

    @router.get(
        "/readyz",
        summary="Readiness: the database (and for the gateway, each upstream) is reachable",
        responses={200: {"description": "ready"}, 503: {"description": "not ready"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        return await _run_checks(request.app, checks)

    return router


async def _run_checks(app: FastAPI, checks: dict[str, ReadyCheck]) -> JSONResponse:
    results: dict[str, Any] = {}
    ok = True
    for name, check in checks.items():
        try:
            results[name] = await check(app)
            if results[name].get("status") not in ("ok", "degraded"):
                ok = False
        except Exception as exc:  # a failing probe is reported, never raised
            ok = False
            results[name] = {"status": "unavailable", "error": type(exc).__name__}
    if ok:
        return JSONResponse({"status": "ready", "checks": results})
    return problem_response(
        {
            "type": "https://hanke.kuopio.example/problems/not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": "A dependency is not reachable: "
            + ", ".join(n for n, r in results.items() if r.get("status") not in ("ok", "degraded")),
            "checks": results,
        }
    )
