"""Table models of the participants service. Importing this module registers every table in ``metadata``."""

from __future__ import annotations

from participants.db import Base, audit, metadata

__all__ = ["Base", "audit", "metadata"]
