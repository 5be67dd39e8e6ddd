"""Alembic environment of the pilots service (own metadata, version table alembic_version_pilots)."""

from hanke_libs.migrations import run_env
from pilots.config import Settings
from pilots.models import metadata

run_env(metadata, "pilots", default_url=lambda: Settings().resolved_database_url())
