"""The world the access tests run in (tests/access/world.py): the whole product, seeded, behind its
gateway, with two of everything that has an owner."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hanke_libs.testing import MigratedDatabase
from tests.access.world import World, build
from tests.conftest import service_database
from tests.system import running_system

matrix_budget_db = service_database("budget")
matrix_pilots_db = service_database("pilots")
matrix_participants_db = service_database("participants")
matrix_reports_db = service_database("reports")


@pytest.fixture
async def world(
    matrix_budget_db: MigratedDatabase,
    matrix_pilots_db: MigratedDatabase,
    matrix_participants_db: MigratedDatabase,
    matrix_reports_db: MigratedDatabase,
) -> AsyncIterator[World]:
    databases = {
        "budget": matrix_budget_db,
        "pilots": matrix_pilots_db,
        "participants": matrix_participants_db,
        "reports": matrix_reports_db,
    }
    overrides = {"upstream_timeout_seconds": 60.0, "view_deadline_seconds": 60.0}
    async with running_system(databases, gateway_overrides=overrides) as system:
        yield await build(system)
