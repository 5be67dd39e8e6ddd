"""Exports: the portfolio and a pilot's full record as CSV or XLSX."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response

from hanke_libs.tabular import FILE_RESPONSES, ExportFormat, table_response
from pilots.exports import tables
from pilots.pilots import repository
from pilots.scope import ScopeDep
from pilots.types import CodePath, PilotIdPath

router = APIRouter(tags=["exports"])


@router.get(
    "/projects/{code}/portfolio/export",
    response_class=Response,
    responses=FILE_RESPONSES,
    summary="Export the portfolio as CSV or XLSX",
)
async def export_portfolio(code: CodePath, scope: ScopeDep, format: ExportFormat = "csv") -> Response:
    """CSV: one row per pilot (stage, whether it counts toward the 3-5 rule and why not, sectors,
    success rating, latest decision). XLSX adds the decisions across pilots and a summary sheet.
    Steering gets no owner ids."""
    project = await repository.get_project(scope, code)
    parts = await tables.portfolio_tables(scope, project)
    name = f"portfolio-{code}-{dt.date.today().isoformat()}"
    return await table_response(format, tables.sheets(parts), filename=name)


@router.get(
    "/pilots/{pilot_id}/export",
    response_class=Response,
    responses=FILE_RESPONSES,
    summary="Export a pilot's full record as CSV or XLSX",
)
async def export_pilot(pilot_id: PilotIdPath, scope: ScopeDep, format: ExportFormat = "csv") -> Response:
    """The record as the caller may see it: fields, indicators, measurements (the small-sample rule
    applies), stage history, decisions, reflections, frozen changes, timeline, establishment. CSV as
    ``section;item;field;value``, XLSX with one sheet per section; steering gets no person ids or
    person-written text."""
    found = await repository.get(scope, pilot_id)
    parts = await tables.pilot_tables(scope, found)
    long = tables.sheet("pilot", tables.long_rows(parts))
    return await table_response(format, tables.sheets(parts), filename=f"pilot-{found.id}", csv_sheet=long)
