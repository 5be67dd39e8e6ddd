"""Indicators (mittarit) and measurements of a pilot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.personal import redact_for, redact_rows
from hanke_libs.problems import ProblemError
from hanke_libs.tabular import FILE_RESPONSES, ExportFormat, Sheet, table_response
from pilots.indicators import measurement_io, reads
from pilots.indicators import service as ops
from pilots.indicators.lights import THRESHOLDS, TRAFFIC_LIGHT_RULE
from pilots.indicators.numbers import PROGRESS_FORMULA
from pilots.indicators.schemas import (
    IndicatorCreate,
    IndicatorPage,
    IndicatorPublic,
    IndicatorUpdate,
    MeasurementCreate,
    MeasurementImportReport,
    MeasurementPublic,
)
from pilots.pilots import repository
from pilots.scope import SMALL_SAMPLE_RULE, ScopeDep
from pilots.types import ChildIdPath, PilotIdPath

router = APIRouter(tags=["indicators"])
MAX_UPLOAD = 5_000_000
IndicatorIdQuery = Annotated[
    str | None, Query(max_length=36, description="Only this indicator's measurements")
]


@router.get(
    "/pilots/{pilot_id}/indicators",
    response_model=IndicatorPage,
    summary="List a pilot's indicators with progress and traffic lights",
)
async def list_indicators(pilot_id: PilotIdPath, scope: ScopeDep, page: PageDep) -> IndicatorPage:
    """Each indicator with its latest visible measurement, progress toward the target and traffic light;
    the page states the progress formula, the traffic-light thresholds and the small-sample rule."""
    pilot = await repository.get(scope, pilot_id)
    items = [redact_for(scope.principal, i) for i in await reads.indicators_public(scope, pilot)]
    window = items[page.offset : page.offset + page.limit]
    more = page.offset + page.limit < len(items)
    return IndicatorPage(
        items=window,
        limit=page.limit,
        offset=page.offset,
        total=len(items),
        next_offset=page.offset + page.limit if more else None,
        progress_formula=PROGRESS_FORMULA,
        small_sample_rule=SMALL_SAMPLE_RULE,
        traffic_light_rule=TRAFFIC_LIGHT_RULE,
        traffic_light_thresholds=THRESHOLDS,
    )


@router.post(
    "/pilots/{pilot_id}/indicators",
    status_code=201,
    response_model=IndicatorPublic,
    summary="Add an indicator",
)
async def create_indicator(
    pilot_id: PilotIdPath, body: IndicatorCreate, scope: ScopeDep, response: Response
) -> IndicatorPublic:
    """A new indicator of the pilot (its owner, the project manager, admin): kind, unit, direction,
    baseline and target. ``Location`` names the new indicator."""
    ind = await ops.create_indicator(scope, pilot_id, body)
    item = await reads.indicator_public(scope, await repository.get(scope, pilot_id), ind.id)
    response.headers["Location"] = item.href
    return item


@router.get(
    "/pilots/{pilot_id}/indicators/{indicator_id}",
    response_model=IndicatorPublic,
    summary="Read one indicator",
)
async def read_indicator(
    pilot_id: PilotIdPath, indicator_id: ChildIdPath, scope: ScopeDep
) -> IndicatorPublic:
    """The indicator with its latest visible measurement, progress and traffic light."""
    pilot = await repository.get(scope, pilot_id)
    return redact_for(scope.principal, await reads.indicator_public(scope, pilot, indicator_id))


@router.patch(
    "/pilots/{pilot_id}/indicators/{indicator_id}",
    response_model=IndicatorPublic,
    summary="Change an indicator",
)
async def update_indicator(
    pilot_id: PilotIdPath, indicator_id: ChildIdPath, body: IndicatorUpdate, scope: ScopeDep
) -> IndicatorPublic:
    """Unit, calculation, numeric and survey flags lock once measurements exist (409); baseline,
    target and direction are frozen once the pilot runs (send ``change_reason``; it is recorded)."""
    await ops.update_indicator(scope, pilot_id, indicator_id, body)
    return await reads.indicator_public(scope, await repository.get(scope, pilot_id), indicator_id)


@router.post(
    "/pilots/{pilot_id}/measurements",
    status_code=201,
    response_model=MeasurementPublic,
    summary="Add a measurement",
)
async def create_measurement(
    pilot_id: PilotIdPath, body: MeasurementCreate, scope: ScopeDep, response: Response
) -> MeasurementPublic:
    """A measurement of one of this pilot's indicators (another pilot's indicator is refused, 422).
    A survey-based indicator's measurement needs its number of respondents."""
    ind, m = await ops.create_measurement(scope, pilot_id, body)
    item = reads.measurement_public(scope, ind, m)
    response.headers["Location"] = item.href
    return item


@router.get(
    "/pilots/{pilot_id}/measurements",
    response_model=Page[MeasurementPublic],
    summary="A pilot's measurements, a page at a time",
)
async def list_measurements(
    pilot_id: PilotIdPath, scope: ScopeDep, page: PageDep, indicator_id: IndicatorIdQuery = None
) -> Page[MeasurementPublic]:
    """Oldest first; survey values from fewer than 10 respondents are left out for all but the pilot's
    owner, the project manager and admins."""
    pilot = await repository.get(scope, pilot_id)
    items, total = await reads.list_measurements(
        scope, pilot, indicator_id=indicator_id, offset=page.offset, limit=page.limit + 1
    )
    return offset_page([redact_for(scope.principal, i) for i in items], page, total)


@router.get(
    "/pilots/{pilot_id}/measurements/export",
    summary="Export measurements as CSV or XLSX",
    response_class=Response,
    responses=FILE_RESPONSES,
)
async def export_measurements(
    pilot_id: PilotIdPath, scope: ScopeDep, format: ExportFormat = "csv"
) -> Response:
    """The measurements the caller may see, in the import's columns (steering: without the narrative)."""
    pilot = await repository.get(scope, pilot_id)
    columns, rows = redact_rows(
        scope.principal, measurement_io.COLUMNS, await measurement_io.export_rows(scope, pilot), {"narrative"}
    )
    sheet = Sheet(name="measurements", columns=columns, rows=rows)
    return await table_response(format, sheet, filename=f"measurements-{pilot.id}")


@router.get(
    "/pilots/{pilot_id}/measurements/{measurement_id}",
    response_model=MeasurementPublic,
    summary="Read a measurement",
)
async def read_measurement(
    pilot_id: PilotIdPath, measurement_id: ChildIdPath, scope: ScopeDep
) -> MeasurementPublic:
    """One measurement, if the caller may see it (the small-sample rule applies: 404 otherwise)."""
    pilot = await repository.get(scope, pilot_id)
    return redact_for(scope.principal, await reads.get_measurement(scope, pilot, measurement_id))


@router.delete(
    "/pilots/{pilot_id}/measurements/{measurement_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a wrongly entered measurement",
)
async def delete_measurement(pilot_id: PilotIdPath, measurement_id: ChildIdPath, scope: ScopeDep) -> Response:
    """The pilot's owner, the project manager or an admin removes a measurement; the audit trail keeps
    its values."""
    await ops.delete_measurement(scope, pilot_id, measurement_id)
    return Response(status_code=204)


@router.post(
    "/pilots/{pilot_id}/measurements/import",
    response_model=MeasurementImportReport,
    summary="Import measurements from CSV or XLSX",
)
async def import_measurements(
    pilot_id: PilotIdPath,
    scope: ScopeDep,
    file: Annotated[UploadFile, File(description="CSV (; or ,) or XLSX with the export's columns")],
    dry_run: Annotated[bool, Query(description="Check and report without writing")] = False,
) -> MeasurementImportReport:
    """Columns: external_id, indicator_id (or indicator_name), measured_on, value, and optionally unit
    (checked against the indicator), source, respondents, narrative. A row whose external_id exists is
    updated, an identical one is left alone; any bad row refuses the whole file (422, every bad row
    with its line number). ``dry_run`` reports the same without writing. Repeatable."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ProblemError(
            f"The file is larger than {MAX_UPLOAD // 1_000_000} MB; split it into smaller files.",
            status=413,
            slug="file-too-large",
            title="File too large",
        )
    return await measurement_io.import_measurements(
        scope, pilot_id, data=data, filename=file.filename, dry_run=dry_run
    )
