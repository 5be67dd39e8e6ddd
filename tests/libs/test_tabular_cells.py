"""Typed cell parsers of the tabular reader: strict dates, exact amounts, bounded integers, clean text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from hanke_libs.money import parse_amount as money_parse_amount
from hanke_libs.tabular import (
    CellError,
    ImportErrors,
    ImportRejected,
    Row,
    parse_amount,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.4.2021", dt.date(2021, 4, 1)),
        ("01.04.2021", dt.date(2021, 4, 1)),
        (" 31.12.2021 ", dt.date(2021, 12, 31)),
        ("2021-04-01", dt.date(2021, 4, 1)),
        (dt.datetime(2021, 4, 1, 0, 0), dt.date(2021, 4, 1)),
        (dt.date(2020, 2, 29), dt.date(2020, 2, 29)),
        ("29.2.2020", dt.date(2020, 2, 29)),
        (None, None),
        ("", None),
    ],
)
def test_dates_read(raw: Any, expected: dt.date | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31.2.2021", "not a date in the calendar"),
        ("29.2.2021", "not a date in the calendar"),
        ("32.1.2021", "not a date in the calendar"),
        ("1.13.2021", "not a date in the calendar"),
        ("2021-02-30", "not a date in the calendar"),
        ("1.4.21", "write d.m.yyyy"),
        ("2021-4-1", "write d.m.yyyy"),
        ("1/4/2021", "write d.m.yyyy"),
        ("1.4.2021 12:00", "write d.m.yyyy"),
        ("huhtikuu", "write d.m.yyyy"),
        (44197, "is a number, not a date"),
        (44197.0, "is a number, not a date"),
        (True, "is a number, not a date"),
        ("1.4.1899", "outside the years"),
        ("1.1.2101", "outside the years"),
    ],
)
def test_impossible_or_ambiguous_dates_are_refused(raw: Any, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_date(raw)


def test_required_blank_date() -> None:
    with pytest.raises(CellError, match="required"):
        parse_date("  ", required=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4 016,96", "4016.96"),
        ("4\u00a0016,96", "4016.96"),
        ("4\u202f016,96", "4016.96"),
        ("4\u2009016,96", "4016.96"),
        ("1 234 567,89", "1234567.89"),
        ("-12,50", "-12.50"),
        ("\u221212,50", "-12.50"),
        ("+5", "5.00"),
        ("12,5", "12.50"),
        ("12.50", "12.50"),
        ("1 000", "1000.00"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567,00", "1234567.00"),
        ("0,05", "0.05"),
        ("12,50 €", "12.50"),
        ("€12.50", "12.50"),
        (4016.96, "4016.96"),
        (0.1 + 0.2, "0.30"),
        (5, "5.00"),
        (Decimal("7.1"), "7.10"),
    ],
)
def test_amounts_are_exact(raw: Any, expected: str) -> None:
    value = parse_amount(raw)
    assert value == Decimal(expected) and str(value) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1,234", "more than two decimals"),
        ("1.234", "more than two decimals"),
        ("12,345", "more than two decimals"),
        ("0,005", "more than two decimals"),
        (12.345, "more than two decimals"),
        ("12,345,67", "is not a number"),
        ("40 16,96", "is not a number"),
        ("1 2345,00", "is not a number"),
        ("12,50-", "is not a number"),
        ("(12,50)", "is not a number"),
        ("1e5", "is not a number"),
        ("NaN", "is not a number"),
        ("Infinity", "is not a number"),
        (",5", "is not a number"),
        ("abc", "is not a number"),
        ("1" * 30, "too large"),
        (True, "is not a number"),
        (float("nan"), "not a finite number"),
    ],
)
def test_bad_amounts_are_refused_never_misread(raw: Any, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_amount(raw)


def test_amount_sign_and_requirement() -> None:
    with pytest.raises(CellError, match="negative"):
        parse_amount("-1,00", allow_negative=False)
    with pytest.raises(CellError, match="required"):
        parse_amount(None, required=True)
    assert parse_amount(" ") is None


def test_money_parse_amount_is_the_same_rule() -> None:
    assert money_parse_amount("4 016,96") == Decimal("4016.96")
    with pytest.raises(ValueError, match="decimals"):
        money_parse_amount("1,234")
    with pytest.raises(ValueError):
        money_parse_amount("")


def test_decimals_for_indicator_values() -> None:
    assert parse_decimal("12,345") == Decimal("12.345")
    assert parse_decimal(" 1 234,5 ") == Decimal("1234.5")
    assert parse_decimal(12.5) == Decimal("12.5")
    with pytest.raises(CellError, match="too large"):
        parse_decimal("1" * 16)


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), (" 1 200 ", 1200), (7.0, 7), (3, 3), ("-5", -5)])
def test_integers(raw: Any, expected: int) -> None:
    assert parse_int(raw, min=-10, max=10_000) == expected


@pytest.mark.parametrize("raw", ["4.5", 4.5, "x", True, "9223372036854775808", "12 34"])
def test_bad_integers(raw: Any) -> None:
    with pytest.raises(CellError):
        parse_int(raw)


def test_text_cells() -> None:
    assert parse_text("  Kokeilu  ") == "Kokeilu"
    assert parse_text(100000.0) == "100000" and parse_text(12.5) == "12.5"
    assert parse_text("a \t b\n c\u00a0d", collapse_whitespace=True) == "a b c d"
    assert parse_text("rivi 1\r\nrivi 2\n\tx", multi_line=True) == "rivi 1\r\nrivi 2\n\tx"
    for bad, multi in [
        ("Kokeilu \u0001", False),
        ("a\nb", False),
        ("a\x00", True),
        ("a\rb", True),
        ("x\x9b", True),
    ]:
        with pytest.raises(CellError, match="position"):
            parse_text(bad, multi_line=multi)
    with pytest.raises(CellError, match="longer than 5"):
        parse_text("abcdef", max_length=5)
    with pytest.raises(CellError, match="required"):
        parse_text(None, required=True)


def test_errors_are_collected_with_lines() -> None:
    errors = ImportErrors()
    rows = [Row(2, {"d": "1.1.2021"}), Row(3, {"d": "31.2.2021"}), Row(5, {"d": "x"})]
    values = [errors.cell(r, "d", parse_date, required=True) for r in rows]
    assert values == [dt.date(2021, 1, 1), None, None]
    assert [(e.line, e.name) for e in errors.items] == [(3, "d"), (5, "d")]
    with pytest.raises(ImportRejected) as caught:
        errors.raise_if_any()
    assert caught.value.status == 422 and caught.value.slug == "import-rejected"
    assert "2 problem(s)" in caught.value.detail and len(caught.value.errors or []) == 2


def test_error_list_is_bounded() -> None:
    errors = ImportErrors(max_errors=3)
    for line in range(10):
        errors.add(line, "x", "bad")
    assert len(errors.items) == 3 and len(errors) == 10
    assert "first 3 are listed" in errors.rejected().detail
