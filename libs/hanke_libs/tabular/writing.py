"""Writing tables as CSV and XLSX that are safe to open and that a spreadsheet can compute with.

- **No live formula, ever** (OWASP "CSV injection"): every text cell whose first non-blank
  character is ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab or a carriage return is
  prefixed with ``'`` (:func:`neutralise`), in CSV and XLSX alike; XLSX text cells are also forced to
  the string type, so ``<f>`` never appears for user text.
- **Typed cells**: ``Decimal`` and ``int`` are numbers (money columns — or any ``Decimal`` with two
  decimals — with the ``#,##0.00`` format, so a SUM works), ``date`` and ``datetime`` are dates
  (``d.m.yyyy``; aware datetimes in UTC, Excel having no zones), ``bool`` is TRUE/FALSE.
- **Text that XML cannot hold** (C0 controls other than tab/CR/LF, lone surrogates, U+FFFE/U+FFFF)
  is replaced by U+FFFD (:func:`clean_text`), in both formats: one bad pilot title never turns an
  export into a 500. Over 32 767 characters (Excel's cell limit) XLSX text is cut with "…".
- **Header block and totals**: a sheet may carry ``(label, value)`` rows above the table (a
  claim's project, period, status, claimed ESR) and totals rows below it, typed like the table.
- **CSV** (default as Finnish Excel expects): ``;``, UTF-8 with BOM, CRLF, decimal comma, dates
  ``d.m.yyyy``; all of it configurable with :class:`CsvOptions`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from hanke_libs.problems import ProblemError

__all__ = [
    "Column",
    "CsvOptions",
    "Sheet",
    "clean_text",
    "neutralise",
    "write_csv",
    "write_xlsx",
]

Kind = Literal["auto", "text", "money", "number", "integer", "date", "datetime"]

FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
XLSX_MAX_TEXT = 32_767
XLSX_MAX_ROWS = 1_048_576
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "d.m.yyyy"
DATETIME_FORMAT = "d.m.yyyy h:mm"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: ``'`` before a leading formula trigger (OWASP)."""
    stripped = text.lstrip(" ")
    if text and (text[0] in FORMULA_TRIGGERS or (stripped and stripped[0] in FORMULA_TRIGGERS)):
        return "'" + text
    return text


@dataclass(frozen=True)
class Column:
    """A column of an export: its header label and, optionally, the kind of its cells.

    ``auto`` types each cell by its Python value; ``money`` writes numbers with two decimals;
    ``text`` writes every value as (neutralised) text, e.g. codes with leading zeros.
    """

    label: str
    kind: Kind = "auto"
    width: int | None = None


@dataclass
class Sheet:
    """One table: a name (the XLSX sheet), columns, rows, an optional header block and totals."""

    name: str
    columns: Sequence[str | Column]
    rows: Iterable[Sequence[Any]]
    preamble: Sequence[tuple[str, Any]] = ()
    totals: Sequence[Sequence[Any]] = ()

    @property
    def column_defs(self) -> list[Column]:
        return [c if isinstance(c, Column) else Column(c) for c in self.columns]


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ";"
    bom: bool = True
    line_terminator: str = "\r\n"
    decimal_comma: bool = True
    thousands_separator: str = ""  # e.g. " " for 4 016,96 (the ledger extract's own format)
    date_format: Literal["fi", "iso"] = "fi"  # d.m.yyyy or yyyy-mm-dd
    true_false: tuple[str, str] = ("true", "false")


def _kind_of(value: Any, declared: Kind) -> Kind:
    if declared != "auto":
        return declared
    if isinstance(value, bool):
        return "auto"
    if isinstance(value, Decimal):
        return "money" if value.as_tuple().exponent == -2 else "number"
    if isinstance(value, int | float):
        return "integer" if isinstance(value, int) else "number"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return "text"


def _utc_naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo is not None else value


# --- CSV ---


def _csv_number(value: Decimal | int | float, options: CsvOptions, places: int | None) -> str:
    if isinstance(value, float):
        value = Decimal(repr(value))
    text = (
        f"{value:.{places}f}"
        if places is not None
        else (f"{value:f}" if isinstance(value, Decimal) else str(value))
    )
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    if options.thousands_separator:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = options.thousands_separator.join([whole, *groups])
    point = "," if options.decimal_comma else "."
    return sign + whole + (point + frac if frac else "")


def _csv_date(value: dt.date, options: CsvOptions) -> str:
    return value.isoformat() if options.date_format == "iso" else f"{value.day}.{value.month}.{value.year}"


def _csv_cell(value: Any, declared: Kind, options: CsvOptions) -> str:
    if value is None:
        return ""
    kind = _kind_of(value, declared)
    if isinstance(value, bool) and kind != "text":
        return options.true_false[0 if value else 1]
    if kind in ("money", "number", "integer") and isinstance(value, Decimal | int | float):
        return _csv_number(value, options, 2 if kind == "money" else None)
    if kind == "datetime" and isinstance(value, dt.datetime):
        day = _utc_naive(value)
        return (
            f"{_csv_date(day.date(), options)} {day:%H:%M}"
            if options.date_format == "fi"
            else day.isoformat()
        )
    if kind in ("date", "datetime") and isinstance(value, dt.date):
        return _csv_date(value, options)
    return neutralise(clean_text(str(value)))


def write_csv(sheet: Sheet, options: CsvOptions | None = None) -> bytes:
    """The sheet as CSV bytes (see :class:`CsvOptions`); preamble rows, a blank line, the table, totals."""
    options = options or CsvOptions()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=options.delimiter, lineterminator=options.line_terminator)
    defs = sheet.column_defs
    if sheet.preamble:
        for label, value in sheet.preamble:
            writer.writerow([neutralise(clean_text(label)), _csv_cell(value, "auto", options)])
        writer.writerow([])
    writer.writerow([neutralise(clean_text(c.label)) for c in defs])
    for row in itertools.chain(sheet.rows, sheet.totals):
        writer.writerow(
            [_csv_cell(v, defs[i].kind if i < len(defs) else "auto", options) for i, v in enumerate(row)]
        )
    text = buffer.getvalue()
    return (("\ufeff" if options.bom else "") + text).encode("utf-8")


# --- XLSX ---


def _sheet_title(name: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", clean_text(name)).strip("'").strip() or "Sheet"
    title = title[:31]
    base, n = title, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.casefold())
    return title


class _XlsxCells:
    """Makes typed write-only cells for one worksheet, styles shared."""

    def __init__(self, ws: Any) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.ws = ws
        self.cell_class = WriteOnlyCell
        self.bold = Font(bold=True)

    def make(self, value: Any, declared: Kind = "auto", *, bold: bool = False) -> Any:
        kind = _kind_of(value, declared)
        cell = self.cell_class(self.ws)
        if value is None:
            pass
        elif isinstance(value, bool) and kind != "text":
            cell.value = value
        elif kind in ("money", "number", "integer") and isinstance(value, Decimal | int | float):
            cell.value = value
            if kind == "money":
                cell.number_format = MONEY_FORMAT
        elif kind in ("date", "datetime") and isinstance(value, dt.date):
            if isinstance(value, dt.datetime):
                cell.value = _utc_naive(value) if kind == "datetime" else value.date()
            else:
                cell.value = value
            cell.number_format = DATETIME_FORMAT if isinstance(cell.value, dt.datetime) else DATE_FORMAT
        else:
            text = neutralise(clean_text(str(value)))
            if len(text) > XLSX_MAX_TEXT:
                text = text[: XLSX_MAX_TEXT - 1] + "…"
            cell.value = text
            cell.data_type = "s"  # never a formula, whatever the text
        if bold:
            cell.font = self.bold
        return cell


def _width(column: Column) -> float:
    if column.width:
        return column.width
    base = {"money": 14, "number": 12, "integer": 10, "date": 11, "datetime": 16}.get(column.kind, 12)
    return min(max(base, len(column.label) + 2), 60)


def write_xlsx(sheets: Sheet | Sequence[Sheet]) -> bytes:
    """An XLSX workbook with one worksheet per sheet (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in [sheets] if isinstance(sheets, Sheet) else list(sheets):
        ws = workbook.create_sheet(_sheet_title(sheet.name, taken))
        defs = sheet.column_defs
        for i, column in enumerate(defs, start=1):
            ws.column_dimensions[get_column_letter(i)].width = _width(column)
        cells = _XlsxCells(ws)
        written = 0
        if sheet.preamble:
            for label, value in sheet.preamble:
                ws.append([cells.make(label, "text", bold=True), cells.make(value)])
            ws.append([])
            written += len(sheet.preamble) + 1
        ws.freeze_panes = f"A{written + 2}"
        ws.append([cells.make(c.label, "text", bold=True) for c in defs])
        written += 1
        for row in sheet.rows:
            written += 1
            if written > XLSX_MAX_ROWS:
                raise ProblemError(
                    f"The export has more rows than a spreadsheet holds ({XLSX_MAX_ROWS}); use format=csv.",
                    status=413,
                    slug="export-too-large",
                    title="Export too large",
                )
            ws.append([cells.make(v, defs[i].kind if i < len(defs) else "auto") for i, v in enumerate(row)])
        for row in sheet.totals:
            ws.append(
                [
                    cells.make(v, defs[i].kind if i < len(defs) else "auto", bold=True)
                    for i, v in enumerate(row)
                ]
            )
    if not taken:
        workbook.create_sheet("Sheet")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
