"""Every service's models and its migrations agree: the schema the migrations build is the schema
the models describe (no model change without its migration), on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from hanke_libs.db import sync_url
from hanke_libs.migrations import version_table
from hanke_libs.testing import MigratedDatabase
from tests.conftest import service_database

migrations_budget_db = service_database("budget")
migrations_pilots_db = service_database("pilots")
migrations_participants_db = service_database("participants")
migrations_reports_db = service_database("reports")


def check(service: str, database: MigratedDatabase) -> None:
    import importlib

    metadata = importlib.import_module(f"{service}.db").metadata
    engine = create_engine(sync_url(database.url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": version_table(service)}
            )
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == [], f"{service}: models and migrations differ: {diff}"


def test_budget_migrations_match_models(migrations_budget_db: MigratedDatabase) -> None:
    check("budget", migrations_budget_db)


def test_pilots_migrations_match_models(migrations_pilots_db: MigratedDatabase) -> None:
    check("pilots", migrations_pilots_db)


def test_participants_migrations_match_models(migrations_participants_db: MigratedDatabase) -> None:
    check("participants", migrations_participants_db)


def test_reports_migrations_match_models(migrations_reports_db: MigratedDatabase) -> None:
    check("reports", migrations_reports_db)
