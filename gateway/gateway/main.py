"""App factory of the gateway: ``uvicorn --factory gateway.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from gateway import __version__
from gateway.config import Settings
from hanke_libs.app import create_base_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_base_app(
        name="gateway",
        title="Hanke API",
        version=__version__,
        description=(
            "One REST API for running a city's externally funded development project: budget and "
            "payment claims, service pilots, champions, coaching and assessments, and composed views."
        ),
        settings=settings,
        use_database=False,
    )
    return app
