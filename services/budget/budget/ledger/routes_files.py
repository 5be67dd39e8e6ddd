"""Ledger files: import (dry run or all-or-nothing), export in the same columns, template, account
mapping; and the ledger summary's check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response

from budget.access import admin_only, manage_plan, read_ledger, read_plan, write_ledger
from budget.ledger import fileformat, mapping, service
from budget.ledger.imports import export_rows, import_ledger
from budget.pilots import PilotsDep
from budget.projects import repository as projects
from budget.projects.routes import Code
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from hanke_libs.inputs import StrictDate
from hanke_libs.metrics import counted_import
from hanke_libs.personal import redact_rows
from hanke_libs.problems import BadRequest
from hanke_libs.tabular import FILE_RESPONSES, ExportFormat, Sheet, table_response

router = APIRouter(tags=["ledger"])
MAX_BYTES = 50 * 1024 * 1024


def sheet(entries: list[list[Any]], principal: Principal, name: str) -> Sheet:
    """The ledger's columns and typed rows; columns of personal data left out for callers who may not see them."""
    names, rows = redact_rows(principal, fileformat.COLUMNS, entries, fileformat.PERSONAL_COLUMNS)
    return Sheet(name=name, columns=fileformat.columns(names), rows=rows)


@router.post(
    "/projects/{code}/ledger/import",
    summary="Import a ledger extract (CSV/XLSX)",
    description="The accounting system's extract (pääkirjaote). A dry run (default) reports per line what "
    "would be added, changed or rejected; the real run is all-or-nothing and idempotent (the same file "
    "twice changes nothing). Finance imports only its own implementer's rows; each pilot named is "
    "checked with the pilots service.",
)
async def import_file(
    code: Code,
    session: SessionDep,
    actor: Annotated[Principal, Depends(write_ledger)],
    pilots: PilotsDep,
    file: Annotated[UploadFile, File(description="The extract (pääkirjaote), CSV or XLSX")],
    dry_run: Annotated[
        bool, Query(description="Only report what would be added, changed or rejected")
    ] = True,
    implementer: Annotated[
        str | None, Query(max_length=20, description="For rows without Toteuttaja")
    ] = None,
) -> dict[str, Any]:
    content = await file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise BadRequest("The file is larger than 50 MB.", slug="import-too-large")
    with counted_import("ledger", committed=not dry_run) as accepted:
        report = await import_ledger(
            session=session,
            project_code=code,
            content=content,
            filename=file.filename,
            implementer=implementer,
            dry_run=dry_run,
            actor=actor,
            pilots=pilots,
        )
        accepted(report.rows)
    return report.as_dict()


@router.get(
    "/projects/{code}/ledger/export",
    response_class=Response,
    summary="Export the ledger voucher by voucher (CSV/XLSX)",
    description="In the import's columns, so an export imports again unchanged (finance: its own "
    "implementer's entries only).",
    responses=FILE_RESPONSES,
)
async def export_file(
    code: Code,
    session: SessionDep,
    actor: Annotated[Principal, Depends(read_ledger)],
    format: ExportFormat = "csv",
    implementer: Annotated[str | None, Query(max_length=20)] = None,
    date_from: Annotated[StrictDate | None, Query(description="Entries dated on or after")] = None,
    date_to: Annotated[StrictDate | None, Query(description="Entries dated on or before")] = None,
) -> Response:
    filters = {"implementer": implementer, "date_from": date_from, "date_to": date_to}
    project, entries = await export_rows(session=session, principal=actor, code=code, filters=filters)
    rows = [fileformat.entry_cells(e, project.code) for e in entries]
    return await table_response(
        format, sheet(rows, actor, "Kirjanpito"), filename=f"{code}-kirjanpito", csv_options=fileformat.CSV
    )


@router.get(
    "/projects/{code}/ledger/template",
    response_class=Response,
    summary="An empty ledger import file",
    description="The expected columns, as CSV or XLSX.",
    responses=FILE_RESPONSES,
)
async def template(
    code: Code,
    session: SessionDep,
    actor: Annotated[Principal, Depends(read_ledger)],
    format: ExportFormat = "csv",
) -> Response:
    await projects.get(session=session, principal=actor, code=code)
    return await table_response(
        format,
        sheet([], actor, "Kirjanpito"),
        filename=f"{code}-kirjanpito-pohja",
        csv_options=fileformat.CSV,
    )


@router.get(
    "/projects/{code}/ledger/account-mapping",
    response_model=mapping.AccountMappingPublic,
    summary="The account → cost category mapping",
    description="The project's own mapping, else the default one; imports map accounts by it.",
)
async def get_mapping(
    code: Code, session: SessionDep, caller: Annotated[Principal, Depends(read_plan)]
) -> mapping.AccountMappingPublic:
    return await mapping.get(session=session, principal=caller, code=code)


@router.put(
    "/projects/{code}/ledger/account-mapping",
    response_model=mapping.AccountMappingPublic,
    summary="Replace the project's account mapping",
    description="Admin or project manager. The rows replace the project's own mapping (audited).",
)
async def put_mapping(
    code: Code,
    data: mapping.AccountMappingIn,
    session: SessionDep,
    actor: Annotated[Principal, Depends(manage_plan)],
) -> mapping.AccountMappingPublic:
    return await mapping.replace(session=session, principal=actor, code=code, data=data)


@router.post(
    "/projects/{code}/admin/summaries/check",
    summary="Check (and rebuild) the ledger summary",
    description="Admin. Recomputes the summary (implementer × category × month) from the ledger and lists "
    "differences; with `rebuild=true` replaces it (audited).",
)
async def check_summaries(
    code: Code,
    session: SessionDep,
    actor: Annotated[Principal, Depends(admin_only)],
    rebuild: Annotated[
        bool, Query(description="Replace the summary by the one recomputed from the ledger")
    ] = False,
) -> dict[str, Any]:
    return await service.summary_check(session=session, principal=actor, code=code, rebuild=rebuild)
