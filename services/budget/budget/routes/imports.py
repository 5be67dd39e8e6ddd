"""Ledger import (dry run or all-or-nothing), export in the same columns, template, account mapping."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import col, delete, select

from budget import ledger_io, projects
from budget.access import manage_plan, read_ledger, read_plan, write_ledger
from budget.categories import category_map
from budget.db import audit
from budget.ledger_import import export_entries, import_ledger, mapping_for
from budget.models import AccountMapping
from budget.routes.projects import Code
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from hanke_libs.problems import BadRequest, InvalidParam, UnprocessableContent

router = APIRouter(tags=["ledger"])
MAX_BYTES = 50 * 1024 * 1024
Format = Annotated[Literal["csv", "xlsx"], Query()]


@router.post(
    "/projects/{code}/ledger/import",
    summary="Import a ledger extract (CSV/XLSX): dry run reports per line; the real run is all-or-nothing",
)
async def import_file(
    code: Code,
    session: SessionDep,
    actor: Annotated[Principal, Depends(write_ledger)],
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
    report = await import_ledger(
        session=session,
        project_code=code,
        content=content,
        filename=file.filename,
        implementer=implementer,
        dry_run=dry_run,
        actor=actor,
    )
    return report.as_dict()


def file_response(rows: list[list[str]], format: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    if format == "xlsx":
        return Response(ledger_io.to_xlsx(rows), media_type=ledger_io.XLSX_TYPE, headers=headers)
    return Response(ledger_io.to_csv(rows), media_type=ledger_io.CSV_TYPE, headers=headers)


@router.get(
    "/projects/{code}/ledger/export",
    response_class=Response,
    summary="Export the ledger voucher by voucher in the import's columns (CSV/XLSX)",
    responses={200: {"content": {ledger_io.CSV_TYPE: {}, ledger_io.XLSX_TYPE: {}}}},
)
async def export_file(
    code: Code,
    session: SessionDep,
    actor: Annotated[Principal, Depends(read_ledger)],
    format: Format = "csv",
    implementer: Annotated[str | None, Query(max_length=20)] = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Response:
    project = await projects.get(session=session, code=code)
    filters = {"implementer": implementer, "date_from": date_from, "date_to": date_to}
    rows = await export_entries(session=session, project=project, filters=filters, actor=actor)
    if format == "xlsx":
        body = await asyncio.to_thread(ledger_io.to_xlsx, rows)
        return Response(
            body,
            media_type=ledger_io.XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{code}-kirjanpito.xlsx"'},
        )
    return file_response(rows, format, f"{code}-kirjanpito")


@router.get(
    "/projects/{code}/ledger/template",
    response_class=Response,
    summary="An empty import file with the expected columns (CSV/XLSX)",
    responses={200: {"content": {ledger_io.CSV_TYPE: {}, ledger_io.XLSX_TYPE: {}}}},
)
async def template(
    code: Code, session: SessionDep, _: Annotated[Principal, Depends(read_ledger)], format: Format = "csv"
) -> Response:
    await projects.get(session=session, code=code)
    return file_response([], format, f"{code}-kirjanpito-pohja")


class MappingRow(BaseModel):
    account_from: int = Field(ge=0, le=99_999_999)
    account_to: int = Field(ge=0, le=99_999_999)
    category: str = Field(min_length=1, max_length=40)


class MappingIn(BaseModel):
    rows: list[MappingRow] = Field(min_length=1, max_length=500)


@router.get(
    "/projects/{code}/ledger/account-mapping", summary="Account → cost category mapping used by imports"
)
async def get_mapping(
    code: Code, session: SessionDep, _: Annotated[Principal, Depends(read_plan)]
) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    own = (await session.exec(select(AccountMapping).where(AccountMapping.project_id == project.id))).first()
    rows = await mapping_for(session=session, project=project)
    return {
        "source": "project" if own else "default",
        "rows": [{"account_from": a, "account_to": b, "category": c} for a, b, c in rows],
    }


@router.put("/projects/{code}/ledger/account-mapping", summary="Replace the project's own account mapping")
async def put_mapping(
    code: Code, data: MappingIn, session: SessionDep, actor: Annotated[Principal, Depends(manage_plan)]
) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    cats = await category_map(session)
    errors = [
        InvalidParam(
            name=f"body.rows.{n}", reason="account_to is below account_from or the category is unknown"
        )
        for n, r in enumerate(data.rows)
        if r.account_to < r.account_from or r.category not in cats or cats[r.category].kind == "flat_rate"
    ]
    if errors:
        raise UnprocessableContent("The mapping is not valid.", slug="invalid-mapping", errors=errors)
    conn = await session.connection()
    await conn.execute(delete(AccountMapping).where(col(AccountMapping.project_id) == project.id))
    for r in data.rows:
        session.add(
            AccountMapping(
                project_id=project.id,
                account_from=r.account_from,
                account_to=r.account_to,
                category_code=r.category,
            )
        )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="replace",
        entity_type="account_mapping",
        entity_id=project.code,
        changes=data.model_dump(),
    )
    return await get_mapping(code, session, actor)
