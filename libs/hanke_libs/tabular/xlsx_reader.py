"""XLSX side of the tabular reader: openpyxl read-only behind zip-bomb, row and column caps."""

from __future__ import annotations

import io
import itertools
import zipfile
from typing import Any

from hanke_libs.problems import InvalidParam, ProblemError
from hanke_libs.tabular.cells import ImportErrors, ImportRejected
from hanke_libs.tabular.table import (
    Table,
    TableSpec,
    _blank_row,
    _Builder,
    _check_width,
    _find_header,
    _too_large,
    _too_many_rows,
    _unreadable,
)


def _check_zip(data: bytes, spec: TableSpec) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable("The file is not a readable XLSX workbook (not a valid zip archive).") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise _unreadable("The XLSX workbook has too many parts to be a spreadsheet.")
        total = sum(i.file_size for i in infos)
        if total > spec.max_xlsx_uncompressed_bytes:
            raise _too_large(
                f"The XLSX workbook unpacks to {total} bytes; at most "
                f"{spec.max_xlsx_uncompressed_bytes} are read. Save fewer rows per file or use CSV."
            )


def read_xlsx(data: bytes, spec: TableSpec, errors: ImportErrors) -> Table:
    from openpyxl import load_workbook  # imported lazily: not every app reads spreadsheets

    _check_zip(data, spec)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise _unreadable(f"The file is not a readable XLSX workbook ({type(exc).__name__}).") from exc
    try:
        try:
            sheet = workbook[spec.sheet] if isinstance(spec.sheet, str) else workbook.worksheets[spec.sheet]
        except (KeyError, IndexError) as exc:
            raise _unreadable(f"The workbook has no sheet {spec.sheet!r}.") from exc
        scan_cap = spec.max_rows * 2 + 1000
        try:
            # The sheet's stated dimension is not trusted (it may be wrong, or pad every row to
            # 16 384 columns): rows come as wide as their last cell, at most ``scan_cap`` of them.
            sheet.reset_dimensions()
            values = sheet.iter_rows(values_only=True, max_row=scan_cap + 1)
            numbered = ((i, list(row)) for i, row in enumerate(values, start=1))
            head: list[tuple[int, list[Any]]] = []
            for line, cells in numbered:
                if line > scan_cap:
                    raise _too_many_rows(spec.max_rows, blanks=True)
                if not _blank_row(cells):
                    head.append((line, cells))
                    if len(head) >= spec.header_search_rows:
                        break
            if not head:
                raise ImportRejected(
                    "The workbook's sheet is empty.",
                    errors=[InvalidParam(name="file", reason="no header row", line=1)],
                )
            pos, header = _find_header(spec, [(ln, _trim(c)) for ln, c in head])
            _check_width(len(_trim(head[pos][1])), spec, header.line)
            header.check()
            builder = _Builder(spec, header, errors, strict_width=False)
            for line, cells in itertools.chain(head[pos + 1 :], numbered):
                if line > scan_cap:
                    raise _too_many_rows(spec.max_rows, blanks=True)
                if len(cells) > spec.max_columns and not _blank_row(cells[spec.max_columns :]):
                    _check_width(len(_trim(cells)), spec, line)
                builder.add(line, cells[: spec.max_columns])
        except ProblemError:
            raise
        except Exception as exc:  # a sheet that breaks the parser half-way
            raise _unreadable(f"The XLSX sheet cannot be read ({type(exc).__name__}).") from exc
    finally:
        workbook.close()
    return Table(
        rows=builder.rows,
        fields=tuple(dict.fromkeys(header.index.values())),
        ignored_columns=tuple(header.ignored),
        format="xlsx",
        header_line=header.line,
    )


def _trim(cells: list[Any]) -> list[Any]:
    """A row without its trailing blank cells (read-only sheets pad rows to ``max_col``)."""
    end = len(cells)
    while end and (
        cells[end - 1] is None or (isinstance(cells[end - 1], str) and not cells[end - 1].strip())
    ):
        end -= 1
    return cells[:end]
