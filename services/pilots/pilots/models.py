"""Table models of the pilots service. Importing this module registers every table in ``metadata``."""

from __future__ import annotations

from pilots.db import Base, audit, metadata

__all__ = ["Base", "audit", "metadata"]
