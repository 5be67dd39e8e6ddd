"""Alembic environment of the participants service (own metadata, version table alembic_version_participants)."""

from hanke_libs.migrations import run_env
from participants.config import Settings
from participants.models import metadata

run_env(metadata, "participants", default_url=lambda: Settings().resolved_database_url())
