"""Exports: the portfolio and a pilot's full record as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep
from pilots import exports
from pilots.access import require_read
from pilots.pilot_ops import get_pilot, get_project
from pilots.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, write_csv, write_xlsx

router = APIRouter(tags=["exports"])
ExportFormat = Annotated[
    Literal["csv", "xlsx"], Query(description="csv (semicolons, UTF-8 with BOM) or xlsx")
]
FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {CSV_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}
}


def _file(body: bytes, fmt: str, name: str) -> Response:
    media = XLSX_MEDIA_TYPE if fmt == "xlsx" else CSV_MEDIA_TYPE
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


@router.get(
    "/projects/{code}/portfolio/export",
    response_class=Response,
    responses=FILE_RESPONSES,
    summary="The portfolio as CSV (one row per pilot) or XLSX (pilots and a summary sheet)",
)
async def export_portfolio(
    code: str, session: SessionDep, principal: CurrentPrincipal, format: ExportFormat = "csv"
) -> Response:
    require_read(principal)
    tables = await exports.portfolio_tables(session, await get_project(session, code))
    name = f"portfolio-{code}-{dt.date.today().isoformat()}"
    if format == "xlsx":
        return _file(write_xlsx(tables), format, name)
    return _file(write_csv(*tables["portfolio"]), format, name)


@router.get(
    "/pilots/{pilot_id}/export",
    response_class=Response,
    responses=FILE_RESPONSES,
    summary="A pilot's full record: CSV as section;item;field;value, XLSX with one sheet per section",
)
async def export_pilot(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, format: ExportFormat = "csv"
) -> Response:
    """The record as the caller may see it (the small-sample rule applies to measurements)."""
    require_read(principal)
    pilot = await get_pilot(session, pilot_id)
    tables = await exports.pilot_tables(session, principal, pilot)
    if format == "xlsx":
        return _file(write_xlsx(tables), format, f"pilot-{pilot.id}")
    return _file(write_csv(*exports.long_rows(tables)), format, f"pilot-{pilot.id}")
