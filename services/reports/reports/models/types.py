"""Column defaults shared by the reports service's tables."""

from __future__ import annotations

import datetime as dt
from typing import Any


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def optimistic_version(cls: Any) -> dict[str, Any]:
    """Mapper arguments: UPDATEs carry ``WHERE version = <read version>`` (the code increments it), so
    a concurrent change makes the flush fail instead of being overwritten."""
    return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}
