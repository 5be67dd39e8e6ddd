"""Column types and defaults shared by the pilots service's tables."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal kept as its text (SQLite has no decimal type; floats would drift)."""

    impl = String(50)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return str(Decimal(value))
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
