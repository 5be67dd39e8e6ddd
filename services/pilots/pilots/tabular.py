"""Reading and writing tables as CSV (semicolon, UTF-8 with BOM, as Excel writes it) and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from fastapi import Response
from openpyxl import Workbook, load_workbook

from hanke_libs.problems import BadRequest

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
MAX_ROWS = 20_000


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def xlsx_cell(value: Any) -> Any:
    """Numbers stay numbers in XLSX; everything else becomes text or a date."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones: times are UTC
    if isinstance(value, bool | int | float | dt.date) or value is None:
        return value
    return str(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(sheets: Mapping[str, tuple[Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    workbook = Workbook()
    first = True
    for name, (header, rows) in sheets.items():
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        sheet.title = name[:31]
        first = False
        sheet.append(list(header))
        for row in rows:
            sheet.append([xlsx_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadRequest("The file is neither UTF-8 nor Windows-1252 text.", slug="unreadable-file")


def read_table(data: bytes, filename: str | None) -> list[tuple[int, dict[str, Any]]]:
    """Rows as (line number, {lower-cased header: value}); line 1 is the header."""
    is_xlsx = data[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx")
    rows: list[tuple[int, dict[str, Any]]] = []
    if is_xlsx:
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise BadRequest("The file is not a readable XLSX workbook.", slug="unreadable-file") from exc
        sheet = workbook.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        workbook.close()
        if not values:
            return []
        header = [str(h).strip().lower() if h is not None else "" for h in values[0]]
        for line, row in enumerate(values[1:], start=2):
            if all(v is None or str(v).strip() == "" for v in row):
                continue
            rows.append((line, {h: v for h, v in zip(header, row, strict=False) if h}))
    else:
        text = _decode(data)
        first = text.split("\n", 1)[0]
        delimiter = max((";", ",", "\t"), key=first.count)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = [h.strip().lower() for h in next(reader, [])]
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append((reader.line_num, {h: v for h, v in zip(header, row, strict=False) if h}))
    if len(rows) > MAX_ROWS:
        raise BadRequest(
            f"The file has {len(rows)} rows; at most {MAX_ROWS} are read at once.", slug="too-many-rows"
        )
    return rows


def file_response(body: bytes, fmt: str, name: str) -> Response:
    """A download of ``body`` as ``name.fmt`` (csv or xlsx)."""
    media = XLSX_MEDIA_TYPE if fmt == "xlsx" else CSV_MEDIA_TYPE
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )
