"""``POST /imports/hr/people`` and ``POST /imports/hr/org-units``: the HR export (CSV or XLSX).

Roles: ``admin`` and ``project_manager`` (``hr_sync`` reaches only SCIM). ``dry_run=true`` (the
default) reports what would happen and writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, Field

from hanke_libs.db import SessionDep
from hanke_libs.metrics import counted_import
from hanke_libs.problems import InvalidParam, UnprocessableContent
from participants.access import Manager
from participants.hr_import import import_hr_org_units, import_hr_people

router = APIRouter(prefix="/imports/hr", tags=["hr import"])
MAX_BYTES = 20 * 1024 * 1024


class ImportReportPublic(BaseModel):
    dry_run: bool
    full: bool
    rows: int
    created: int
    changed: int
    deactivated: int
    unchanged: int
    org_units_created: list[str]
    sectors_created: list[str]
    rows_written: int
    created_employee_numbers: list[str] = Field(description="The first 1 000 created (see *_not_listed)")
    changed_employee_numbers: list[str]
    deactivated_employee_numbers: list[str]
    created_employee_numbers_not_listed: int = Field(description="How many more were created than listed")
    changed_employee_numbers_not_listed: int
    deactivated_employee_numbers_not_listed: int
    warnings: list[InvalidParam]


async def _read(file: UploadFile) -> bytes:
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnprocessableContent("The file is larger than 20 MB.", slug="import-too-large")
    return data


@router.post(
    "/people",
    response_model=ImportReportPublic,
    summary="Import the HR staff export",
    description="The HR system's staff export (CSV or XLSX; admin, project_manager): all or nothing, "
    "idempotent, a dry run unless `dry_run=false`; `full=true` deactivates people missing from the file. "
    "A bad file is a 422 `import-rejected` listing every bad line.",
)
async def import_people(
    session: SessionDep,
    principal: Manager,
    file: Annotated[UploadFile, File(description="CSV (; or ,, UTF-8 or Windows-1252) or XLSX")],
    dry_run: Annotated[bool, Query(description="Only report what would change")] = True,
    full: Annotated[
        bool, Query(description="The file is the whole staff: the missing become inactive")
    ] = False,
) -> dict[str, Any]:
    data = await _read(file)
    with counted_import("hr_people", committed=not dry_run) as accepted:
        report = await import_hr_people(
            session=session,
            data=data,
            filename=file.filename or "",
            actor=principal,
            dry_run=dry_run,
            full=full,
        )
        accepted(report.rows)
    return report.summary()


@router.post(
    "/org-units",
    response_model=ImportReportPublic,
    summary="Import the HR org unit hierarchy",
    description="Org units with their parent, sector and manager (CSV or XLSX; admin, project_manager): all "
    "or nothing, idempotent, a dry run unless `dry_run=false`.",
)
async def import_org_units(
    session: SessionDep,
    principal: Manager,
    file: Annotated[UploadFile, File(description="CSV or XLSX: code, name, parent, sector, manager")],
    dry_run: Annotated[bool, Query(description="Only report what would change")] = True,
) -> dict[str, Any]:
    data = await _read(file)
    with counted_import("hr_org_units", committed=not dry_run) as accepted:
        report = await import_hr_org_units(
            session=session, data=data, filename=file.filename or "", actor=principal, dry_run=dry_run
        )
        accepted(report.rows)
    return report.summary()
