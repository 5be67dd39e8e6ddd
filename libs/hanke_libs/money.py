"""Exact euros: ``Decimal`` in code, integer cents in the database.

Rounding happens here and only here: half up to the cent (``ROUND_HALF_UP``), never Python's
banker's rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from hanke_libs.tabular.cells import parse_amount as parse_cell

CENT = Decimal("0.01")


def round_cents(value: Decimal) -> Decimal:
    """``value`` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> int:
    """Integer cents of an amount that must already be exact to the cent."""
    quantized = value.quantize(CENT)
    if quantized != value:
        raise ValueError(f"{value} has more than two decimals")
    return int(quantized * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def parse_amount(text: str) -> Decimal:
    """Parse an amount as users and Finnish exports write it: ``4 016,96``, ``-12.5``, ``1 000``.

    The one rule for amounts in text is :func:`hanke_libs.tabular.cells.parse_amount` (grouping by
    three, decimal comma or point, never misread by a factor of 1000). Raises ``ValueError`` with a
    readable message on anything that is not a number with at most two decimals, or on blank text.
    """
    value = parse_cell(text, required=True)
    assert value is not None
    return value


class Cents(TypeDecorator[Decimal]):
    """A money column: ``Decimal`` euros in Python, ``BIGINT`` cents in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return to_cents(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return from_cents(int(value))
