"""Table models of the budget service. Importing this module registers every table in ``metadata``."""

from __future__ import annotations

from budget.db import Base, audit, metadata

__all__ = ["Base", "audit", "metadata"]
