"""Reference data the budget service needs on a new database (idempotent)."""

from __future__ import annotations

from hanke_libs.db import Database


async def seed(db: Database) -> list[str]:
    """Load the reference data; returns what was loaded, for the command's progress output."""
    return []
