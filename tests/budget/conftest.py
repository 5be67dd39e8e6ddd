"""Fixtures of the budget service's tests: a clean migrated database per test, a client, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from budget.config import Settings
from budget.main import create_app
from hanke_libs.testing import MigratedDatabase, running
from tests.conftest import service_database

budget_database = service_database("budget")


@pytest.fixture
def settings(budget_database: MigratedDatabase) -> Settings:
    return Settings(database_url=budget_database.fresh_url(), log_json=False)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as c:
        yield c


KUOPIO = "0171450-7"
SAVONIA = "2629463-3"
IDK = "S21894"


@pytest.fixture
async def idk(settings: Settings) -> str:
    """The database seeded with the IDK project as applied; gives its code."""
    from budget.seed import seed
    from hanke_libs.db import standalone_database

    async with standalone_database(settings.resolved_database_url()) as db:
        await seed(db)
    return IDK


def entry(**overrides: object) -> dict[str, object]:
    """A valid ledger entry of Kuopio's staff costs, with ``overrides``."""
    body: dict[str, object] = {
        "implementer": KUOPIO,
        "entry_date": "2021-03-15",
        "category": "staff",
        "amount": "1000.00",
        "voucher_ref": "V-1",
        "description": "Palkat 3/2021",
    }
    body.update(overrides)
    return body
