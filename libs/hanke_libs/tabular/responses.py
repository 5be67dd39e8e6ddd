"""CSV/XLSX download responses: one helper for every export, chosen by ``?format=``."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import urllib.parse
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response

from hanke_libs.tabular.writing import CsvOptions, Sheet, write_csv, write_xlsx

__all__ = [
    "CSV_MEDIA_TYPE",
    "FILE_RESPONSES",
    "XLSX_MEDIA_TYPE",
    "ExportFormat",
    "content_disposition",
    "table_response",
]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ExportFormat = Annotated[
    Literal["csv", "xlsx"],
    Query(description="csv (semicolons, UTF-8 with BOM, as Finnish Excel opens it) or xlsx"),
]
"""The ``format`` query parameter of an export route (default it to ``"csv"`` or ``"xlsx"``)."""

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file (Content-Disposition: attachment)",
        "content": {CSV_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}},
    }
}
"""``responses=`` for export routes (with ``response_class=Response``)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str, *, disposition: str = "attachment") -> str:
    """A safe ``Content-Disposition`` (RFC 6266): an ASCII ``filename`` and a UTF-8 ``filename*``
    (RFC 5987). Path parts, quotes, control characters and separators never reach the header."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".") or "export"
    name = name[:150]
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE.sub("_", ascii_name).strip("_.") or "export"
    header = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != name:
        header += "; filename*=UTF-8''" + urllib.parse.quote(name, safe="")
    return header


async def table_response(
    format: str,
    sheets: Sheet | Sequence[Sheet],
    *,
    filename: str,
    csv_sheet: Sheet | None = None,
    csv_options: CsvOptions | None = None,
) -> Response:
    """The download of ``sheets`` as ``format`` (``csv`` or ``xlsx``) named ``filename`` + extension.

    CSV holds one table: ``csv_sheet`` if given, else the first sheet. Rendering runs in a worker
    thread (it is CPU work); rows must be materialised (no database I/O while rendering).
    """
    listed = [sheets] if isinstance(sheets, Sheet) else list(sheets)
    if format == "xlsx":
        body = await asyncio.to_thread(write_xlsx, listed)
        media_type = XLSX_MEDIA_TYPE
    elif format == "csv":
        chosen = csv_sheet or listed[0]
        body = await asyncio.to_thread(write_csv, chosen, csv_options)
        media_type = CSV_MEDIA_TYPE
    else:  # the route's ExportFormat already refuses others with a 422
        raise ValueError(f"unknown export format {format!r}")
    stem = filename.removesuffix(f".{format}")
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(f"{stem}.{format}")},
    )
