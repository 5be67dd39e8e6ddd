"""Fixtures of the participants service's tests: a clean migrated database per test, a client, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hanke_libs.db import standalone_database
from hanke_libs.testing import MigratedDatabase, running
from participants.config import Settings
from participants.main import create_app
from participants.seed import seed
from tests.conftest import service_database

participants_database = service_database("participants")


@pytest.fixture
def settings(participants_database: MigratedDatabase) -> Settings:
    return Settings(database_url=participants_database.fresh_url(), log_json=False)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as c:
        yield c


@pytest.fixture
async def seeded(settings: Settings) -> AsyncIterator[None]:
    """The seeded frameworks, sectors and the IDK project's rounds (seeding twice adds nothing)."""
    async with standalone_database(settings.database_url) as db:
        assert await seed(db)
        assert await seed(db) == []  # idempotent
    yield
