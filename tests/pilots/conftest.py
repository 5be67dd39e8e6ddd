"""Fixtures of the pilots service's tests: a clean migrated database per test, a client, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hanke_libs.db import standalone_database
from hanke_libs.testing import MigratedDatabase, running
from pilots.config import Settings
from pilots.main import create_app
from pilots.seed import seed
from tests.conftest import service_database

pilots_database = service_database("pilots")


@pytest.fixture
def settings(pilots_database: MigratedDatabase) -> Settings:
    return Settings(database_url=pilots_database.fresh_url(), log_json=False)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose database holds the seeded reference data (IDK, sectors, kinds)."""
    async with standalone_database(settings.resolved_database_url()) as db:
        await seed(db)
    async with running(create_app(settings)) as c:
        yield c
