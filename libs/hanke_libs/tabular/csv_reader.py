"""CSV side of the tabular reader: encodings, the delimiter, records with their line numbers."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

from hanke_libs.problems import InvalidParam
from hanke_libs.tabular.cells import ImportErrors, ImportRejected
from hanke_libs.tabular.table import (
    DELIMITERS,
    Table,
    TableSpec,
    _blank_row,
    _Builder,
    _check_width,
    _find_header,
    _Header,
    _unreadable,
)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252; 400 otherwise."""
    candidates: list[str]
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding
    raise _unreadable(
        "The file is not a CSV text file in UTF-8 or Windows-1252 (nor an XLSX workbook). "
        "Save it from Excel as 'CSV UTF-8' or as an .xlsx workbook."
    )


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) per CSV record; csv.Error is raised with ``line_num`` on the exception."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    previous = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            exc.line_num = reader.line_num  # type: ignore[attr-defined]
            raise
        yield previous + 1, record
        previous = reader.line_num


def read_csv(data: bytes, spec: TableSpec, errors: ImportErrors) -> Table:
    text, encoding = decode(data)
    delimiter = spec.delimiter
    first_line, _, rest = text.partition("\n")
    offset = 0
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        delimiter = delimiter or first_line.strip()[4]
        text, offset = rest, 1
    try:
        if delimiter is None:
            delimiter = _detect_delimiter(text, spec)
        records = _records(text, delimiter)
        head = list(itertools.islice((r for r in records if not _blank_row(r[1])), spec.header_search_rows))
        if not head:
            raise ImportRejected(
                "The file is empty.", errors=[InvalidParam(name="file", reason="no header row", line=1)]
            )
        head = [(line + offset, cells) for line, cells in head]
        pos, header = _find_header(spec, head)
        _check_width(header.width, spec, header.line)
        header.check()
        builder = _Builder(spec, header, errors, strict_width=True)
        for line, cells in head[pos + 1 :]:
            builder.add(line, cells)
        for line, cells in records:
            if len(cells) > spec.max_columns:
                _check_width(len(cells), spec, line + offset)
            builder.add(line + offset, cells)
    except csv.Error as exc:
        failed_at = getattr(exc, "line_num", None)
        errors.add(
            failed_at + offset if failed_at else None,
            "file",
            f"the CSV cannot be read from here on: {exc} (a cell over 128 KB, or a stray quote?)",
        )
        raise errors.rejected() from exc
    return Table(
        rows=builder.rows,
        fields=tuple(dict.fromkeys(header.index.values())),
        ignored_columns=tuple(header.ignored),
        format="csv",
        header_line=header.line,
        encoding=encoding,
        delimiter=delimiter,
    )


def _detect_delimiter(text: str, spec: TableSpec) -> str:
    """The delimiter that makes the best header row; ties go to the one the first line holds most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    keys: list[tuple[tuple[int, int], int, int, str]] = []
    for order, candidate in enumerate(DELIMITERS):
        try:
            rows = list(itertools.islice(_records(text, candidate), spec.header_search_rows))
        except csv.Error:
            continue
        score = max((_Header(spec, cells, line).score for line, cells in rows), default=(-(10**9), 0))
        keys.append((score, first.count(candidate), -order, candidate))
    return max(keys)[3] if keys else ";"
