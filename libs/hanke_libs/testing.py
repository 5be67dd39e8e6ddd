"""Test support shared by every app's tests: databases per backend, clients, tokens.

Backends come from ``HANKE_TEST_BACKENDS`` (default ``sqlite,postgresql``). PostgreSQL tests use a
fresh database per test session (made from ``HANKE_TEST_POSTGRES_URL``, default
``postgresql://postgres@127.0.0.1:5432/postgres``), built by the service's real migrations and dropped
afterwards; between tests every table is truncated. SQLite tests copy a migrated template file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from hanke_libs.auth import issue_dev_token
from hanke_libs.settings import AppSettings

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def backends() -> list[str]:
    raw = os.environ.get("HANKE_TEST_BACKENDS", "sqlite,postgresql")
    names = [b.strip() for b in raw.split(",") if b.strip()]
    for name in names:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"HANKE_TEST_BACKENDS: unknown backend {name!r}")
    return names


def postgres_admin_url() -> str:
    return os.environ.get("HANKE_TEST_POSTGRES_URL", DEFAULT_PG)


def _admin_engine() -> Any:
    url = make_url(postgres_admin_url()).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def create_pg_database(prefix: str) -> str:
    """Create an empty database and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


class MigratedDatabase:
    """A service database built once by its migrations, handed out clean to each test."""

    def __init__(
        self,
        backend: str,
        service: str,
        metadata: MetaData,
        migrate: Callable[[str], None],
        workdir: Path,
    ) -> None:
        self.backend = backend
        self.service = service
        self.metadata = metadata
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        if backend == "sqlite":
            self.template = workdir / f"{service}-template.db"
            self.url = f"sqlite:///{self.template}"
            migrate(self.url)
        else:
            self.url = create_pg_database(f"hanke_test_{service}")
            migrate(self.url)

    def fresh_url(self) -> str:
        """A URL to a clean, migrated database for one test."""
        if self.backend == "sqlite":
            target = self.workdir / f"{self.service}-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        self.truncate()
        return self.url

    def truncate(self) -> None:
        tables = ", ".join(f'"{t.name}"' for t in self.metadata.sorted_tables)
        if not tables:
            return
        engine = create_engine(make_url(self.url).set(drivername="postgresql+psycopg"))
        try:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            engine.dispose()

    def close(self) -> None:
        if self.backend == "postgresql":
            drop_pg_database(self.url)


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan and yield an async client talking to it in process."""
    async with app.router.lifespan_context(app):
        # Clients see what a real client would: a 500 problem, not a raised exception.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def bearer(
    settings: AppSettings,
    *roles: str,
    subject: str = "test-user",
    implementer: str | None = None,
    name: str | None = None,
    **extra: Any,
) -> dict[str, str]:
    """An ``Authorization`` header with a development token for ``roles``."""
    token = issue_dev_token(
        settings, roles=list(roles), subject=subject, implementer=implementer, name=name, extra=extra or None
    )
    return {"Authorization": f"Bearer {token}"}
