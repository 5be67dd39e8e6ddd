"""Typed cell parsers for imported tables, and the collector of line-numbered errors.

Every parser takes the raw cell (a stripped ``str`` from CSV; ``str``, ``int``, ``float``,
``datetime`` or ``bool`` from XLSX; ``None`` for a blank cell) and returns the typed value, ``None``
for a blank cell unless ``required=True``, or raises :class:`CellError` (a ``ValueError``) whose
message a person can act on. :class:`ImportErrors` collects them with their line numbers, so that
a file is rejected whole with every bad line listed (not the first error only).

Decisions:

- **Dates**: ``d.m.yyyy`` (``1.4.2021``, ``01.04.2021``), ISO ``yyyy-mm-dd`` and real XLSX date
  cells (a date-time cell gives its date). Impossible dates (``31.2.2021``) and two-digit years are
  refused; years outside 1900–2100 are refused as typos. A number in a date column (an Excel serial
  in an unformatted cell) is refused, not guessed.
- **Amounts** (exact ``Decimal``): a decimal comma or point (``12,50``, ``12.50``); thousands in
  groups of three separated by a space, a no-break space (U+00A0), a narrow no-break space (U+202F)
  or a thin space (U+2009): ``4 016,96``; ``1.234,56`` and ``1,234.56`` when both separators are
  present (the last one is the decimal separator and the other groups by three); a leading ``-``,
  ``+`` or ``−`` (U+2212) and an optional ``€``. ``1,234`` and ``1.234`` alone are read as decimals and
  so refused as having three decimals: an amount is never misread by a factor of 1000. XLSX number
  cells are taken by their shortest decimal representation (``4016.96``), float noise below 1e-9
  rounded away.
- **Integers**: digits, optionally grouped by three with spaces; XLSX whole numbers; bounded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from hanke_libs.problems import InvalidParam, UnprocessableContent

if TYPE_CHECKING:
    from hanke_libs.tabular.reading import Row

__all__ = [
    "CellError",
    "ImportErrors",
    "ImportRejected",
    "cell_str",
    "parse_amount",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_text",
]


class CellError(ValueError):
    """A cell that cannot be read as what its column holds; the message says why."""


class ImportRejected(UnprocessableContent):
    """422: the file is rejected whole; ``errors`` lists every bad line (nothing was written)."""

    slug = "import-rejected"
    title = "Import rejected"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def cell_str(value: Any) -> str:
    """A cell as text: ``""`` for blank, XLSX whole numbers without ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else str(value)


# --- dates ---

_FI_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_date(
    value: Any, *, required: bool = False, min_year: int = 1900, max_year: int = 2100
) -> dt.date | None:
    """A date from ``d.m.yyyy``, ``dd.mm.yyyy``, ISO ``yyyy-mm-dd`` or an XLSX date cell."""
    if _blank(value):
        if required:
            raise CellError("a date is required (d.m.yyyy)")
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, bool | int | float | Decimal):
        raise CellError(
            f"{_show(value)} is a number, not a date: write d.m.yyyy or format the cell as a date"
        )
    else:
        text = str(value).strip()
        if m := _FI_DATE.fullmatch(text):
            d, mo, y = (int(g) for g in m.groups())
        elif m := _ISO_DATE.fullmatch(text):
            y, mo, d = (int(g) for g in m.groups())
        else:
            raise CellError(f"{_show(text)} is not a date: write d.m.yyyy (e.g. 31.3.2021)")
        try:
            day = dt.date(y, mo, d)
        except ValueError:
            raise CellError(f"{_show(text)} is not a date in the calendar") from None
    if not min_year <= day.year <= max_year:
        raise CellError(f"{day.day}.{day.month}.{day.year} is outside the years {min_year}–{max_year}")
    return day


# --- numbers ---

_GROUP_SPACES = "\u0020\u00a0\u202f\u2009"
_SPACE_GROUPED = re.compile(rf"[0-9]{{1,3}}(?:[{_GROUP_SPACES}][0-9]{{3}})+(?:[,.][0-9]+)?")
_DOT_GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+")
_COMMA_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+")
_PLAIN = re.compile(r"[0-9]+(?:[,.][0-9]+)?")


def _number_text(text: str) -> Decimal:
    """A Decimal from number text by the rules in the module docstring; CellError otherwise."""
    s = text.strip().replace("\u2212", "-")
    if s.endswith("€"):
        s = s[:-1].rstrip()
    elif s.startswith("€"):
        s = s[1:].lstrip()
    sign = ""
    if s and s[0] in "+-":
        sign, s = ("-" if s[0] == "-" else ""), s[1:].lstrip()
    if _PLAIN.fullmatch(s):
        digits = s.replace(",", ".")
    elif _SPACE_GROUPED.fullmatch(s):
        digits = re.sub(f"[{_GROUP_SPACES}]", "", s).replace(",", ".")
    elif _DOT_GROUPED.fullmatch(s):
        digits = s.replace(".", "").replace(",", ".")
    elif _COMMA_GROUPED.fullmatch(s):
        digits = s.replace(",", "")
    else:
        raise CellError(
            f"{_show(text)} is not a number: write e.g. 4016,96 or 4 016,96 (digits, a decimal comma, "
            "thousands grouped by spaces)"
        )
    if len(digits) > 40:
        raise CellError(f"{_show(text)} has too many digits")
    return Decimal(sign + digits)


def _from_float(value: float, places: int | None) -> Decimal:
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(f"{value!r} is not a finite number")
    exact = Decimal(repr(value))
    if places is not None:
        step = Decimal(1).scaleb(-places)
        rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
        if abs(exact - rounded) < Decimal("1e-9"):
            return rounded
    return exact


def parse_decimal(
    value: Any,
    *,
    required: bool = False,
    places: int | None = None,
    max_abs: Decimal = Decimal("1e15"),
    allow_negative: bool = True,
) -> Decimal | None:
    """An exact Decimal from number text or an XLSX number; at most ``places`` decimals if given."""
    if _blank(value):
        if required:
            raise CellError("a number is required")
        return None
    if isinstance(value, bool):
        raise CellError(f"{_show(value)} is not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = _from_float(value, places)
    elif isinstance(value, str):
        number = _number_text(value)
    else:
        raise CellError(f"{_show(value)} is not a number")
    if not number.is_finite():
        raise CellError(f"{_show(value)} is not a finite number")
    if abs(number) >= max_abs:
        raise CellError(f"{_show(value)} is too large (at most {max_abs:,} in absolute value)")
    if not allow_negative and number < 0:
        raise CellError(f"{_show(value)} is negative; a positive number is expected")
    if places is not None:
        step = Decimal(1).scaleb(-places)
        try:
            quantized = number.quantize(step)
        except InvalidOperation:
            raise CellError(f"{_show(value)} is too large") from None
        if quantized != number:
            if places == 0:
                raise CellError(f"{_show(value)} is not a whole number")
            count = {1: "one", 2: "two", 3: "three"}.get(places, str(places))
            raise CellError(f"{_show(value)} has more than {count} decimals")
        number = quantized
    return number


def parse_amount(
    value: Any,
    *,
    required: bool = False,
    allow_negative: bool = True,
    max_abs: Decimal = Decimal("1e12"),
) -> Decimal | None:
    """Euros exact to the cent (``Decimal`` with two decimals): ``4 016,96``, ``-12,50``, ``1.234,56``."""
    if _blank(value) and required:
        raise CellError("an amount is required (e.g. 4016,96)")
    return parse_decimal(value, places=2, max_abs=max_abs, allow_negative=allow_negative)


_INT_TEXT = re.compile(rf"[+-]?(?:[0-9]{{1,3}}(?:[{_GROUP_SPACES}][0-9]{{3}})+|[0-9]{{1,19}})")


def parse_int(value: Any, *, required: bool = False, min: int = 0, max: int = 2**31 - 1) -> int | None:
    """A whole number within ``[min, max]`` from digits (grouping spaces allowed) or an XLSX number."""
    if _blank(value):
        if required:
            raise CellError("a whole number is required")
        return None
    if isinstance(value, bool):
        raise CellError(f"{_show(value)} is not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        number = int(re.sub(f"[{_GROUP_SPACES}]", "", value.strip()))
    else:
        raise CellError(f"{_show(value)} is not a whole number")
    if not min <= number <= max:
        raise CellError(f"{number} is outside {min}–{max}")
    return number


# --- text ---

_COLLAPSE = re.compile(r"[\s\u00a0]+")


def parse_text(
    value: Any,
    *,
    required: bool = False,
    max_length: int = 200,
    multi_line: bool = False,
    collapse_whitespace: bool = False,
) -> str | None:
    """Trimmed text (XLSX numbers as text without ``.0``) without control characters.

    Single-line text refuses line breaks and control characters unless ``collapse_whitespace``
    (then every run of whitespace, tabs and line breaks included, becomes one space); multi-line
    text keeps ``\\n``, ``\\r\\n`` and ``\\t``.
    """
    text = cell_str(value)
    if collapse_whitespace and not multi_line:
        text = _COLLAPSE.sub(" ", text).strip()
    if not text:
        if required:
            raise CellError("required")
        return None
    for i, ch in enumerate(text):
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            if multi_line and (ch in "\n\t" or (ch == "\r" and text[i + 1 : i + 2] == "\n")):
                continue
            what = "a line break" if ch in "\r\n" else f"the control character U+{code:04X}"
            raise CellError(f"holds {what} at position {i + 1}")
    if len(text) > max_length:
        raise CellError(f"longer than {max_length} characters ({len(text)})")
    return text


# --- errors ---


class ImportErrors:
    """Line-numbered problems of one file, collected so the whole file is reported at once.

    ::

        errors = ImportErrors()
        for row in table.rows:
            day = errors.cell(row, "entry_date", parse_date, required=True)
            amount = errors.cell(row, "amount", parse_amount, required=True)
            if day and day > today:
                errors.add(row.line, "entry_date", "is in the future")
        errors.raise_if_any()          # 422 import-rejected listing every problem, or nothing
    """

    def __init__(self, max_errors: int = 1000) -> None:
        self.max_errors = max_errors
        self.items: list[InvalidParam] = []
        self.dropped = 0

    def add(self, line: int | None, name: str, reason: str) -> None:
        if len(self.items) < self.max_errors:
            self.items.append(InvalidParam(name=name, reason=reason, line=line))
        else:
            self.dropped += 1

    def cell(self, row: Row, field: str, parser: Callable[..., Any], /, **options: Any) -> Any:
        """``parser(row[field], **options)``; on :class:`CellError` the error is recorded, None returned."""
        try:
            return parser(row.get(field), **options)
        except CellError as exc:
            self.add(row.line, field, str(exc))
            return None

    def __len__(self) -> int:
        return len(self.items) + self.dropped

    def __bool__(self) -> bool:
        return bool(self.items)

    def rejected(self, detail: str | None = None) -> ImportRejected:
        """The 422 problem listing every collected error."""
        more = f" (the first {len(self.items)} are listed)" if self.dropped else ""
        return ImportRejected(
            detail or f"{len(self)} problem(s) in the file{more}; nothing was imported.",
            errors=sorted(self.items, key=lambda e: (e.line is None, e.line or 0)),
        )

    def raise_if_any(self, detail: str | None = None) -> None:
        if self.items:
            raise self.rejected(detail)
