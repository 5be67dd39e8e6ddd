"""Reading HR exports: CSV (UTF-8 with or without BOM, or Windows-1252; ``;`` or ``,``) and XLSX.

Column names are configuration (:class:`Columns`), not constants: each field lists the header names
it is known by. Cells are stripped; blank lines are skipped; every row keeps its line number.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hanke_libs.problems import InvalidParam, UnprocessableContent

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stages ``read``, ``check``, ``write``, ``done`` (for the CLI's bar)."""


class ImportRejected(UnprocessableContent):
    """The file is rejected whole; ``errors`` lists every bad row with its line number."""

    slug = "import-rejected"
    title = "Import rejected"


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, Any]  # field name -> raw value (str, or date/number from XLSX)


@dataclass(frozen=True)
class Columns:
    """Field -> accepted header names (case-insensitive). ``required`` fields must have a column."""

    names: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...] = ()
    delimiter: str | None = None  # None: sniff ';' or ','
    extra: dict[str, Any] = field(default_factory=dict)


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252 (what older Excel and HR systems write); else a 422 naming
    the line of the first byte that is neither."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            "The file is neither UTF-8 nor Windows-1252 text: save it as UTF-8 CSV.",
            errors=[InvalidParam(name="file", reason=f"byte 0x{data[exc.start]:02x} is not text", line=line)],
        ) from exc


def _header_map(header: list[Any], columns: Columns) -> tuple[dict[int, str], list[InvalidParam]]:
    wanted = {name.strip().lower(): fld for fld, names in columns.names.items() for name in names}
    mapping: dict[int, str] = {}
    for index, raw in enumerate(header):
        key = str(raw or "").strip().lstrip("\ufeff").lower()
        if key in wanted:
            mapping[index] = wanted[key]
    found = set(mapping.values())
    errors = [
        InvalidParam(
            name=f"header.{fld}", reason=f"missing column ({' / '.join(columns.names[fld])})", line=1
        )
        for fld in columns.required
        if fld not in found
    ]
    return mapping, errors


def read_table(data: bytes, filename: str, columns: Columns) -> list[Row]:
    """The rows of a CSV or XLSX file, mapped to fields; raises :class:`ImportRejected` on a bad header."""
    is_csv = not (filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK")
    if not is_csv:
        raw_rows = _xlsx_rows(data)
    else:
        text = decode(data)
        delimiter = columns.delimiter
        if delimiter is None:
            first = text.split("\n", 1)[0]
            delimiter = ";" if first.count(";") >= first.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            raw_rows = [(reader.line_num, r) for r in reader]  # line_num: the physical line a record ends on
        except csv.Error as exc:  # a field over the csv module's limit (128 KB), a NUL byte, ...
            raise ImportRejected(
                "The file is not a readable CSV file.",
                errors=[InvalidParam(name="file", reason=str(exc)[:200], line=max(reader.line_num, 1))],
            ) from exc
    if not raw_rows:
        raise ImportRejected(
            "The file is empty.", errors=[InvalidParam(name="file", reason="no header row", line=1)]
        )
    header_line, header = raw_rows[0]
    mapping, errors = _header_map(list(header), columns)
    if errors:
        raise ImportRejected("The file does not have the expected columns.", errors=errors)
    items = list(mapping.items())
    rows: list[Row] = []
    for line, values in raw_rows[1:]:
        if is_csv:
            if not "".join(values).strip():
                continue
        elif all(v is None or str(v).strip() == "" for v in values):
            continue
        n = len(values)
        cells: dict[str, Any] = {}
        for index, fld in items:
            value = values[index] if index < n else None
            cells[fld] = value.strip() if isinstance(value, str) else value
        rows.append(Row(line, cells))
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ImportRejected(
            "The file is not a readable XLSX workbook.",
            errors=[InvalidParam(name="file", reason=str(exc)[:200])],
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [(i + 1, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True))]
    finally:
        workbook.close()


_FI_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(value: Any) -> dt.date | None:
    """``d.m.yyyy`` or ISO, or an XLSX date; None for blank. Raises ValueError for impossible dates."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    return _parse_date_text(text)


@functools.lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> dt.date:
    if m := _FI_DATE.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError(f"{text!r} is not a date (d.m.yyyy)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a possible date") from None


def text(value: Any, limit: int) -> str | None:
    """A cell as trimmed text (numbers from XLSX without a trailing .0); None for blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = value.strip() if isinstance(value, str) else str(value).strip()
    if "  " in result or "\t" in result or "\n" in result or "\xa0" in result:
        result = " ".join(result.split())
    if len(result) > limit:
        raise ValueError(f"longer than {limit} characters")
    return result or None
