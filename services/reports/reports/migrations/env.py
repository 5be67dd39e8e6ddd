"""Alembic environment of the reports service (own metadata, version table alembic_version_reports)."""

from hanke_libs.migrations import run_env
from reports.config import Settings
from reports.models import metadata

run_env(metadata, "reports", default_url=lambda: Settings().resolved_database_url())
