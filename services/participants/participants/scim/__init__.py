"""The SCIM 2.0 server (RFC 7643/7644) under ``/scim/v2`` for the provisioning client (role ``hr_sync``)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from participants.scim import discovery, group_routes, user_routes
from participants.scim.protocol import ScimErrorMiddleware


def scim_router() -> APIRouter:
    """SCIM describes itself through ``/Schemas`` and ``/ResourceTypes``; its SCIM error bodies do not
    fit the problem-document OpenAPI, so it stays out of ``/openapi.json``."""
    router = APIRouter(prefix="/scim/v2", tags=["scim"], include_in_schema=False)
    for module in (discovery, user_routes, group_routes):
        router.include_router(module.router)
    return router


def install_scim(app: FastAPI) -> None:
    """The SCIM routes, and SCIM error bodies for every error under ``/scim/v2`` (unknown paths too)."""
    app.include_router(scim_router())
    app.add_middleware(ScimErrorMiddleware)
