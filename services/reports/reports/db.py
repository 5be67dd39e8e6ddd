"""The reports service's own metadata, audit trail and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hanke_libs.audit import AuditTrail, audit_table
from hanke_libs.db import make_base
from hanke_libs.migrations import upgrade

if TYPE_CHECKING:  # mypy sees the SQLModel base; at run time it has its own registry and metadata
    from sqlmodel import SQLModel as Base
else:
    Base = make_base()
metadata = Base.metadata
audit = AuditTrail(audit_table(metadata))

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(url: str, revision: str = "head") -> None:
    """Build or upgrade the reports database at ``url`` by its migrations."""
    upgrade(MIGRATIONS, "reports", url, revision)
