"""App factory of the gateway: ``uvicorn --factory gateway.main:create_app``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from gateway import __version__, docs, projects, proxy, views
from gateway.config import SERVICES, Settings
from gateway.openapi_merge import OpenApiCache
from gateway.upstreams import Upstreams
from hanke_libs.app import ReadyCheck, create_base_app

TAGS: list[dict[str, str]] = [
    {
        "name": "views",
        "description": "Composed views for the intranet pages, built from several services at once. "
        "When a service fails, a view still answers 200 with the parts it has and lists the rest in "
        "`missing`. Callers with aggregate-only roles (steering) get no personal data.",
    },
]
DESCRIPTION = (
    "One REST API for running a city's externally funded development project: budget and payment "
    "claims (`/api/v1/budget`), service pilots (`/api/v1/pilots`), champions, coaching and assessments "
    "(`/api/v1/participants`, SCIM 2.0 provisioning at `/scim/v2`), the reporting calendar and report "
    "documents (`/api/v1/reports`), and composed views "
    "(`/api/v1/views`).\n\nEvery call needs `Authorization: Bearer <token>`; each service applies its own "
    "access rules. Errors are RFC 9457 problem documents (`application/problem+json`); a service that "
    "is down answers 503, one that is too slow 504. Concurrency-safe updates use `ETag` / `If-Match`; "
    "lists are paginated (`Link`, `limit`, `offset`/`cursor`)."
)


# The gateway's health operations come from hanke_libs; their descriptions here say what the
# gateway's answer in particular holds.
OWN_DESCRIPTIONS = {
    ("/livez", "get"): "Answers 200 while the gateway process runs; it asks no upstream. For a "
    "container's liveness probe.",
    ("/readyz", "get"): "Answers 200 while the gateway can serve, with `checks` naming each upstream "
    "service and its status: `ok` (its own readiness answered 200) or `degraded` (down or not ready; "
    "the views then answer with `missing` parts). Needs no token and so names no internal address.",
}


def describe_own_operations(doc: dict[str, Any]) -> dict[str, Any]:
    """The gateway's own document with every operation described."""
    for (path, method), description in OWN_DESCRIPTIONS.items():
        operation = doc.get("paths", {}).get(path, {}).get(method)
        if isinstance(operation, dict):
            operation.setdefault("description", description)
    return doc


def _upstream_check(name: str) -> ReadyCheck:
    async def check(app: FastAPI) -> dict[str, Any]:
        return (await app.state.upstreams.probe())[name]

    return check


async def _start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.upstreams = Upstreams(settings)
    await app.state.upstreams.start()
    app.state.openapi_cache = OpenApiCache(app.state.upstreams, settings)


async def _stop(app: FastAPI) -> None:
    await app.state.upstreams.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_base_app(
        name="gateway",
        title="Hanke API",
        version=__version__,
        description=DESCRIPTION,
        settings=settings,
        openapi_tags=TAGS,
        use_database=False,
        ready_checks={name: _upstream_check(name) for name in SERVICES},
        on_startup=[_start],
        on_shutdown=[_stop],
    )
    app.include_router(views.router)
    app.include_router(projects.router)

    # /openapi.json: the gateway's own document merged with the services' (fetched asynchronously).
    base_openapi = app.openapi

    def own_openapi() -> dict[str, Any]:
        return describe_own_operations(base_openapi())

    app.openapi = own_openapi  # type: ignore[method-assign]
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != app.openapi_url]

    @app.get(app.openapi_url or "/openapi.json", include_in_schema=False)
    async def merged_openapi(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.openapi_cache.document(own_openapi()))

    docs.install(app)  # /docs and /redoc with their assets from a package, no CDN

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "Link", "Location", "Content-Disposition", "X-Request-ID"],
            max_age=600,
        )
    proxy.install(app)  # last: it moves the middleware added so far outermost
    return app
