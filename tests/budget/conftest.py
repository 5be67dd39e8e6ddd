"""Fixtures of the budget service's tests: a clean migrated database per test, a client, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from budget.config import Settings
from budget.main import create_app
from hanke_libs.testing import MigratedDatabase, bearer, running
from tests.conftest import service_database

budget_database = service_database("budget")


@pytest.fixture
def settings(budget_database: MigratedDatabase) -> Settings:
    return Settings(database_url=budget_database.fresh_url(), log_json=False)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as c:
        yield c


@pytest.fixture
def auth(settings: Settings) -> Callable[..., dict[str, str]]:
    """``auth("finance", implementer="0171450-7")`` gives an Authorization header."""

    def make(*roles: str, **kw: object) -> dict[str, str]:
        return bearer(settings, *roles, **kw)  # type: ignore[arg-type]

    return make


KUOPIO = "0171450-7"
SAVONIA = "2629463-3"
IDK = "S21894"


@pytest.fixture
async def idk(settings: Settings) -> str:
    """The database seeded with the IDK project as applied; gives its code."""
    from budget.seed import seed
    from hanke_libs.db import Database

    db = Database(settings.resolved_database_url(), null_pool=True)
    try:
        await seed(db)
    finally:
        await db.dispose()
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
