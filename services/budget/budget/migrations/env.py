"""Alembic environment of the budget service (own metadata, version table alembic_version_budget)."""

from budget.config import Settings
from budget.models import metadata
from hanke_libs.migrations import run_env

run_env(metadata, "budget", default_url=lambda: Settings().resolved_database_url())
