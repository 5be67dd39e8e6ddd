"""Fixtures shared by every app's tests.

``backend`` is parametrised over the configured database backends (ids ``sqlite`` and
``postgresql``); each service's ``conftest.py`` builds its database from it with
:func:`service_database`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hanke_libs.db import Database, standalone_database
from hanke_libs.fastread import close_read_pool, open_read_pool
from hanke_libs.settings import AppSettings
from hanke_libs.testing import MigratedDatabase, backends, bearer


@pytest.fixture(scope="session", params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hanke")


@pytest.fixture
def auth(settings: AppSettings) -> Callable[..., dict[str, str]]:
    """``auth("finance", implementer="0171450-7")``: an Authorization header with a development token
    for the app's ``settings`` (each test folder defines its own ``settings`` fixture)."""

    def make(*roles: str, **kw: Any) -> dict[str, str]:
        return bearer(settings, *roles, **kw)

    return make


def service_database(service: str) -> object:
    """A session fixture building ``service``'s database by its migrations on the current backend."""

    @pytest.fixture(scope="session")
    def fixture(backend: str, workdir: Path) -> Iterator[MigratedDatabase]:
        import importlib

        db_module = importlib.import_module(f"{service}.db")
        importlib.import_module(f"{service}.models")
        database = MigratedDatabase(
            backend, service, db_module.metadata, db_module.migrate, workdir / backend
        )
        try:
            yield database
        finally:
            database.close()

    return fixture


@contextlib.asynccontextmanager
async def read_pool_database(
    url: str, seed: Callable[[Database], Awaitable[Any]] | None = None
) -> AsyncIterator[Database]:
    """A :class:`Database` on ``url`` with its read pool open (on PostgreSQL: the asyncpg path of
    ``hanke_libs.fastread``, as in a running app), seeded first by ``seed`` if given."""
    async with standalone_database(url) as db:
        if seed is not None:
            await seed(db)
        await open_read_pool(db, 2)
        try:
            yield db
        finally:
            await close_read_pool(db)


@pytest.fixture
async def fast_db(settings: AppSettings) -> AsyncIterator[Database]:
    """The test's database with its read pool open (see :func:`read_pool_database`); each test folder
    defines ``settings``."""
    async with read_pool_database(settings.resolved_database_url()) as db:
        yield db
