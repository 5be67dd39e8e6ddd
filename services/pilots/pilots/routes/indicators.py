"""Indicators (mittarit) and measurements of a pilot."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from sqlmodel import col, func, select

from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.problems import BadRequest, NotFound
from pilots import indicator_ops as ops
from pilots import measurement_io
from pilots.access import SMALL_SAMPLE_RULE, require_edit, require_read, sees_small_samples
from pilots.models import Indicator, Measurement, audit
from pilots.numbers import PROGRESS_FORMULA
from pilots.pilot_ops import get_pilot
from pilots.schemas.indicator import (
    ImportReport,
    IndicatorCreate,
    IndicatorList,
    IndicatorPublic,
    IndicatorUpdate,
    MeasurementCreate,
    MeasurementPublic,
)
from pilots.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, write_csv, write_xlsx

router = APIRouter(tags=["indicators"])
MAX_UPLOAD = 5_000_000
ExportFormat = Annotated[
    Literal["csv", "xlsx"], Query(description="csv (semicolons, UTF-8 with BOM) or xlsx")
]


async def _one(
    session: SessionDep, principal: CurrentPrincipal, pilot_id: str, indicator_id: str
) -> IndicatorPublic:
    pilot = await get_pilot(session, pilot_id)
    for item in await ops.indicators_public(session, principal, pilot):
        if item.id == indicator_id:
            return item
    raise NotFound(f"Pilot {pilot_id} has no indicator {indicator_id!r}.", slug="indicator-not-found")


@router.get("/pilots/{pilot_id}/indicators", response_model=IndicatorList, summary="Indicators with progress")
async def list_indicators(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, page: PageDep
) -> IndicatorList:
    require_read(principal)
    pilot = await get_pilot(session, pilot_id)
    items = await ops.indicators_public(session, principal, pilot)
    window = items[page.offset : page.offset + page.limit]
    more = page.offset + page.limit < len(items)
    return IndicatorList(
        items=window,
        limit=page.limit,
        offset=page.offset,
        total=len(items),
        next_offset=page.offset + page.limit if more else None,
        progress_formula=PROGRESS_FORMULA,
        small_sample_rule=SMALL_SAMPLE_RULE,
    )


@router.post("/pilots/{pilot_id}/indicators", status_code=201, response_model=IndicatorPublic)
async def create_indicator(
    pilot_id: str, body: IndicatorCreate, session: SessionDep, principal: CurrentPrincipal
) -> IndicatorPublic:
    pilot = await get_pilot(session, pilot_id)
    ind = await ops.create_indicator(session=session, principal=principal, pilot=pilot, data=body)
    return await _one(session, principal, pilot_id, ind.id)


@router.get("/pilots/{pilot_id}/indicators/{indicator_id}", response_model=IndicatorPublic)
async def read_indicator(
    pilot_id: str, indicator_id: str, session: SessionDep, principal: CurrentPrincipal
) -> IndicatorPublic:
    require_read(principal)
    return await _one(session, principal, pilot_id, indicator_id)


@router.patch("/pilots/{pilot_id}/indicators/{indicator_id}", response_model=IndicatorPublic)
async def update_indicator(
    pilot_id: str, indicator_id: str, body: IndicatorUpdate, session: SessionDep, principal: CurrentPrincipal
) -> IndicatorPublic:
    """Unit, calculation, numeric and survey flags lock once measurements exist (409); baseline,
    target and direction are frozen once the pilot runs (send ``change_reason``; it is recorded)."""
    pilot = await get_pilot(session, pilot_id)
    ind = await ops.get_indicator(session, indicator_id)
    if ind.pilot_id != pilot.id:
        raise NotFound(f"Pilot {pilot_id} has no indicator {indicator_id!r}.", slug="indicator-not-found")
    await ops.update_indicator(session=session, principal=principal, pilot=pilot, ind=ind, data=body)
    return await _one(session, principal, pilot_id, indicator_id)


@router.post("/pilots/{pilot_id}/measurements", status_code=201, response_model=MeasurementPublic)
async def create_measurement(
    pilot_id: str, body: MeasurementCreate, session: SessionDep, principal: CurrentPrincipal
) -> MeasurementPublic:
    """A measurement of one of this pilot's indicators (another pilot's indicator is refused, 422)."""
    pilot = await get_pilot(session, pilot_id)
    m = await ops.create_measurement(session=session, principal=principal, pilot=pilot, data=body)
    ind = await ops.get_indicator(session, m.indicator_id)
    return ops.measurement_public(ind, m)


@router.get("/pilots/{pilot_id}/measurements", response_model=Page[MeasurementPublic])
async def list_measurements(
    pilot_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    indicator_id: str | None = None,
) -> Page[MeasurementPublic]:
    """Oldest first; survey values from fewer than 10 respondents are left out for most callers."""
    require_read(principal)
    pilot = await get_pilot(session, pilot_id)
    where = [Measurement.pilot_id == pilot.id, ops.visible_clause(sees_small_samples(principal, pilot))]
    if indicator_id is not None:
        where.append(Measurement.indicator_id == indicator_id)
    joined = select(Measurement, Indicator).join(
        Indicator, col(Indicator.id) == col(Measurement.indicator_id)
    )
    total = (
        await session.exec(
            select(func.count())
            .select_from(Measurement)
            .join(Indicator, col(Indicator.id) == col(Measurement.indicator_id))
            .where(*where)
        )
    ).one()
    rows = (
        await session.exec(
            joined.where(*where)
            .order_by(col(Measurement.measured_on), col(Measurement.created_at), col(Measurement.id))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    return offset_page([ops.measurement_public(ind, m) for m, ind in rows], page, int(total))


@router.delete("/pilots/{pilot_id}/measurements/{measurement_id}", status_code=204, response_class=Response)
async def delete_measurement(
    pilot_id: str, measurement_id: str, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Remove a wrongly entered measurement (audited with its values)."""
    pilot = await get_pilot(session, pilot_id)
    require_edit(principal, pilot)
    m = await session.get(Measurement, measurement_id)
    if m is None or m.pilot_id != pilot.id:
        raise NotFound(
            f"Pilot {pilot_id} has no measurement {measurement_id!r}.", slug="measurement-not-found"
        )
    values = m.model_dump(exclude={"id", "created_at"})
    await session.delete(m)
    await audit.record(
        session,
        actor=principal,
        action="delete",
        entity_type="measurement",
        entity_id=measurement_id,
        changes=values,
    )
    return Response(status_code=204)


@router.post(
    "/pilots/{pilot_id}/measurements/import",
    response_model=ImportReport,
    summary="Import measurements from CSV or XLSX (repeatable on external_id)",
)
async def import_measurements(
    pilot_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="CSV (; or ,) or XLSX with the export's columns")],
    dry_run: Annotated[bool, Query(description="Check and report without writing")] = False,
) -> ImportReport:
    """Columns: external_id, indicator_id (or indicator_name), measured_on, value, and optionally unit
    (checked against the indicator), source, respondents, narrative. A row whose external_id exists is
    updated, an identical one is left alone; any bad row refuses the whole file (422, every bad row
    with its line number). ``dry_run`` reports the same without writing."""
    pilot = await get_pilot(session, pilot_id)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise BadRequest(f"The file is larger than {MAX_UPLOAD // 1_000_000} MB.", slug="file-too-large")
    return await measurement_io.import_measurements(
        session=session, principal=principal, pilot=pilot, data=data, filename=file.filename, dry_run=dry_run
    )


@router.get(
    "/pilots/{pilot_id}/measurements/export",
    summary="Export measurements as CSV or XLSX, in the import's shape",
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}},
)
async def export_measurements(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, format: ExportFormat = "csv"
) -> Response:
    require_read(principal)
    pilot = await get_pilot(session, pilot_id)
    rows = await measurement_io.export_rows(session, principal, pilot)
    name = f"measurements-{pilot.id}"
    if format == "xlsx":
        body, media = write_xlsx({"measurements": (measurement_io.COLUMNS, rows)}), XLSX_MEDIA_TYPE
    else:
        body, media = write_csv(measurement_io.COLUMNS, rows), CSV_MEDIA_TYPE
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    )
