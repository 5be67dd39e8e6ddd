"""Reading HR exports through the one tabular reader (``hanke_libs.tabular``): CSV (UTF-8 with or
without BOM, UTF-16, or Windows-1252; ``;``, tab or ``,``) or XLSX, with its limits and line-numbered
errors (a field over 128 KB, bytes that are not text, a broken workbook: a 4xx, never a 500).

Column names are configuration (:func:`Columns`), not constants: each field lists the header names
it is known by. Cells are stripped; blank lines are skipped; every row keeps its line number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hanke_libs.tabular import ImportRejected, Row, TableSpec, parse_date, parse_text
from hanke_libs.tabular import read_table as read_tabular

__all__ = ["Columns", "ImportRejected", "Progress", "Row", "parse_date", "read_table", "text"]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stages ``read``, ``check``, ``write``, ``done`` (for the CLI's bar)."""

MAX_ROWS = 200_000  # a city's whole staff, with room
_PLAIN = re.compile(r"[^\x00-\x1f\x7f-\x9f\u00a0]*")


def Columns(*, names: Mapping[str, Sequence[str]], required: Sequence[str] = ()) -> TableSpec:
    """The columns of an HR file: field -> accepted header names (case-insensitive), the required ones."""
    return TableSpec.of(names, required=required, max_rows=MAX_ROWS)


def read_table(data: bytes, filename: str, columns: TableSpec) -> list[Row]:
    """The data rows of a CSV or XLSX file, mapped to fields (the file rejected whole on a bad one)."""
    return read_tabular(data, filename, columns).rows


def text(value: Any, limit: int) -> str | None:
    """A cell as trimmed single-line text, runs of whitespace as one space; None for blank.

    Raises ValueError (the reason) for a control character or text longer than ``limit``.
    """
    if value.__class__ is str and len(value) <= limit and "  " not in value and _PLAIN.fullmatch(value):
        return value.strip() or None  # the common case, checked without walking the text twice
    return parse_text(value, max_length=limit, collapse_whitespace=True)
