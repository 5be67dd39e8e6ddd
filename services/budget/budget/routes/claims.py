"""Payment claims: draft, refresh, submit and the status flow, export voucher by voucher."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status
from sqlmodel import col, select

from budget import claims, ledger_io, projects
from budget.access import check_claims, claims_read, claims_write
from budget.claim_schemas import ClaimCreate, ClaimPublic, ClaimStatusChange
from budget.models import PaymentClaim
from budget.routes.projects import Code
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.problems import PreconditionFailed

router = APIRouter(tags=["claims"])
Reader = Annotated[Principal, Depends(claims_read)]
Writer = Annotated[Principal, Depends(claims_write)]
Number = Annotated[int, Path(ge=1)]
IfMatch = Annotated[str | None, Header(description="The claim's ETag; a stale one gets 412")]


def check_version(claim: PaymentClaim, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() not in (f'"{claim.version}"', "*"):
        raise PreconditionFailed(
            f"Payment claim {claim.number} has changed; read it again.", slug="stale-version"
        )


@router.post(
    "/projects/{code}/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimPublic,
    summary="Draft a payment claim: takes every unclaimed entry of the period (lead implementer)",
)
async def create_claim(
    code: Code, data: ClaimCreate, session: SessionDep, actor: Writer, response: Response
) -> ClaimPublic:
    project = await projects.get(session=session, code=code)
    check_claims(actor, project.lead_implementer)
    claim = await claims.create(session=session, project=project, data=data, actor=actor)
    response.headers["Location"] = f"/projects/{code}/claims/{claim.number}"
    return await claims.public(session=session, project=project, claim=claim)


@router.get("/projects/{code}/claims", response_model=Page[ClaimPublic], summary="Payment claims")
async def list_claims(code: Code, session: SessionDep, actor: Reader, page: PageDep) -> Page[ClaimPublic]:
    project = await projects.get(session=session, code=code)
    check_claims(actor, project.lead_implementer)
    stmt = (
        select(PaymentClaim)
        .where(PaymentClaim.project_id == project.id)
        .order_by(col(PaymentClaim.number))
        .offset(page.offset)
        .limit(page.limit + 1)
    )
    rows = (await session.exec(stmt)).all()
    return offset_page([await claims.public(session=session, project=project, claim=c) for c in rows], page)


@router.get("/projects/{code}/claims/{number}", response_model=ClaimPublic, summary="One payment claim")
async def get_claim(
    code: Code, number: Number, session: SessionDep, actor: Reader, response: Response
) -> ClaimPublic:
    project = await projects.get(session=session, code=code)
    check_claims(actor, project.lead_implementer)
    claim = await claims.get(session=session, project=project, number=number)
    response.headers["ETag"] = f'"{claim.version}"'
    return await claims.public(session=session, project=project, claim=claim)


@router.post(
    "/projects/{code}/claims/{number}/refresh",
    response_model=ClaimPublic,
    summary="Take entries booked since the draft was made (draft only)",
)
async def refresh_claim(code: Code, number: Number, session: SessionDep, actor: Writer) -> ClaimPublic:
    project = await projects.get(session=session, code=code)
    check_claims(actor, project.lead_implementer)
    claim = await claims.get(session=session, project=project, number=number)
    await claims.refresh(session=session, project=project, claim=claim, actor=actor)
    return await claims.public(session=session, project=project, claim=claim)


@router.post(
    "/projects/{code}/claims/{number}/status",
    response_model=ClaimPublic,
    summary="Move a claim: draft → submitted → changes_requested / approved / partially_approved → paid",
)
async def change_status(
    code: Code,
    number: Number,
    data: ClaimStatusChange,
    session: SessionDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ClaimPublic:
    project = await projects.get(session=session, code=code)
    check_claims(actor, project.lead_implementer)
    claim = await claims.get(session=session, project=project, number=number)
    check_version(claim, if_match)
    claim = await claims.change_status(session=session, project=project, claim=claim, data=data, actor=actor)
    return await claims.public(session=session, project=project, claim=claim)


@router.delete(
    "/projects/{code}/claims/{number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a draft claim and release its entries",
)
async def delete_claim(code: Code, number: Number, session: SessionDep, actor: Writer) -> None:
    project = await projects.get(session=session, code=code)
    check_claims(actor, project.lead_implementer)
    claim = await claims.get(session=session, project=project, number=number)
    await claims.remove(session=session, project=project, claim=claim, actor=actor)


@router.get(
    "/projects/{code}/claims/{number}/export",
    summary="The claim voucher by voucher (CSV or XLSX)",
    response_class=Response,
    responses={200: {"content": {ledger_io.CSV_TYPE: {}, ledger_io.XLSX_TYPE: {}}}},
)
async def export_claim(
    code: Code,
    number: Number,
    session: SessionDep,
    actor: Reader,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
) -> Response:
    project = await projects.get(session=session, code=code)
    check_claims(actor, project.lead_implementer)
    claim = await claims.get(session=session, project=project, number=number)
    rows = await claims.export_rows(session=session, project=project, claim=claim)
    name = f"{code}-maksatushakemus-{number}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "xlsx":
        body = await asyncio.to_thread(ledger_io.to_xlsx, rows, f"Maksatushakemus {number}")
        return Response(body, media_type=ledger_io.XLSX_TYPE, headers=headers)
    return Response(ledger_io.to_csv(rows), media_type=ledger_io.CSV_TYPE, headers=headers)
