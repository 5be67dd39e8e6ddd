"""Composed views under ``/api/v1/views``: built by concurrent calls to the services, each with a
timeout and the whole view with a deadline; a failing service leaves its part in ``missing``."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.views import me, pilots, portfolio, projects

router = APIRouter(prefix="/api/v1/views", tags=["views"])
router.include_router(projects.router)
router.include_router(pilots.router)
router.include_router(me.router)
router.include_router(portfolio.router)
