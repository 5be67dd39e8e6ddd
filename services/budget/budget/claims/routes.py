"""Payment claims: draft, list, read, refresh, move through the status flow, delete, verify, export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from budget.access import claims_read, claims_write
from budget.claims import export, repository, service, verify
from budget.claims.schemas import ClaimCheck, ClaimCreate, ClaimPublic, ClaimStatusChange
from budget.ledger import fileformat
from budget.links import LinksDep
from budget.projects.routes import Code
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from hanke_libs.etag import IF_MATCH_RESPONSES, IfMatchDep, set_etag
from hanke_libs.inputs import Id
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.tabular import FILE_RESPONSES, ExportFormat, table_response

router = APIRouter(tags=["claims"])
Reader = Annotated[Principal, Depends(claims_read)]
Writer = Annotated[Principal, Depends(claims_write)]
Number = Annotated[Id, Path(description="The claim's number within its project")]


@router.post(
    "/projects/{code}/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimPublic,
    summary="Draft a payment claim",
    description="The lead implementer's finance (or admin) drafts a claim for a period; it takes every "
    "unclaimed entry of the period. Claim periods of a project never overlap (409 naming the other claim); "
    "an advance is at most 30 % of the granted support.",
)
async def create_claim(
    code: Code, data: ClaimCreate, session: SessionDep, actor: Writer, response: Response, links: LinksDep
) -> ClaimPublic:
    project, claim = await service.create(session=session, principal=actor, code=code, data=data)
    response.headers["Location"] = links.claim(project.code, claim.number)
    set_etag(response, claim.version)
    return await service.public(session=session, principal=actor, project=project, claim=claim, links=links)


@router.get(
    "/projects/{code}/claims",
    response_model=Page[ClaimPublic],
    summary="List payment claims",
    description="By number. The lead implementer's finance sees every claim whole; a co-implementer's "
    "finance the claims that include its costs, its part only (`scope.implementer`).",
)
async def list_claims(
    code: Code, session: SessionDep, actor: Reader, page: PageDep, links: LinksDep
) -> Page[ClaimPublic]:
    items = await service.page(
        session=session, principal=actor, code=code, links=links, offset=page.offset, limit=page.limit + 1
    )
    return offset_page(items, page)


@router.get(
    "/projects/{code}/claims/{number}",
    response_model=ClaimPublic,
    summary="Read one payment claim",
    description="Its figures (the frozen snapshot once submitted) with its ETag; a co-implementer's finance "
    "sees its own part.",
)
async def get_claim(
    code: Code, number: Number, session: SessionDep, actor: Reader, response: Response, links: LinksDep
) -> ClaimPublic:
    project, claim = await service.one(session=session, principal=actor, code=code, number=number)
    set_etag(response, claim.version)
    return await service.public(session=session, principal=actor, project=project, claim=claim, links=links)


@router.post(
    "/projects/{code}/claims/{number}/refresh",
    response_model=ClaimPublic,
    summary="Take entries booked since the draft was made",
    description="Draft only (409 once submitted). If-Match with the claim's ETag is required (428/412).",
    responses=IF_MATCH_RESPONSES,
)
async def refresh_claim(
    code: Code,
    number: Number,
    session: SessionDep,
    actor: Writer,
    response: Response,
    links: LinksDep,
    if_match: IfMatchDep,
) -> ClaimPublic:
    project, claim = await service.refresh(
        session=session, principal=actor, code=code, number=number, if_match=if_match
    )
    set_etag(response, claim.version)
    return await service.public(session=session, principal=actor, project=project, claim=claim, links=links)


@router.post(
    "/projects/{code}/claims/{number}/status",
    response_model=ClaimPublic,
    summary="Move a payment claim through its status flow",
    description="draft → submitted (frozen: its figures and vouchers are snapshotted and its entries locked) "
    "→ changes_requested / approved / partially_approved → paid. Serialised with every ledger edit of the "
    "project: a transition that is no longer allowed is a 409 naming the claim's status. If-Match with the "
    "claim's ETag is required (428 without); an edit of one of its entries moves the ETag on, so a submit of "
    "figures the person did not see is a 412.",
    responses=IF_MATCH_RESPONSES,
)
async def change_status(
    code: Code,
    number: Number,
    data: ClaimStatusChange,
    session: SessionDep,
    actor: Writer,
    response: Response,
    links: LinksDep,
    if_match: IfMatchDep,
) -> ClaimPublic:
    project, claim = await service.change_status(
        session=session, principal=actor, code=code, number=number, data=data, if_match=if_match
    )
    set_etag(response, claim.version)
    return await service.public(session=session, principal=actor, project=project, claim=claim, links=links)


@router.delete(
    "/projects/{code}/claims/{number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a draft payment claim",
    description="Its entries are released; its number is not given again. 409 once submitted. If-Match required.",
    responses=IF_MATCH_RESPONSES,
)
async def delete_claim(
    code: Code, number: Number, session: SessionDep, actor: Writer, if_match: IfMatchDep
) -> None:
    await service.remove(session=session, principal=actor, code=code, number=number, if_match=if_match)


@router.get(
    "/projects/{code}/claims/{number}/verify",
    response_model=ClaimCheck,
    summary="Check a frozen claim against its rows",
    description="Recomputes the claim's figures and vouchers from its entries and compares them with the "
    "frozen snapshot; `consistent` is false with every difference listed when they disagree.",
)
async def verify_claim(code: Code, number: Number, session: SessionDep, actor: Reader) -> ClaimCheck:
    project, claim = await service.one(session=session, principal=actor, code=code, number=number)
    return await verify.check(
        session=session, project=project, claim=claim, part=repository.part_of(actor, project)
    )


@router.get(
    "/projects/{code}/claims/{number}/export",
    summary="Export a payment claim (CSV or XLSX)",
    description="The claim's header (project, period, status, claimed ESR and its figures), its vouchers in "
    "the ledger's columns with typed date and money cells, and a totals row; text neutralised against "
    "formula injection. A co-implementer's finance gets its own part.",
    response_class=Response,
    responses=FILE_RESPONSES,
)
async def export_claim(
    code: Code, number: Number, session: SessionDep, actor: Reader, format: ExportFormat = "csv"
) -> Response:
    project, claim = await service.one(session=session, principal=actor, code=code, number=number)
    part = repository.part_of(actor, project)
    sheet = await export.claim_sheet(
        session=session, principal=actor, project=project, claim=claim, part=part
    )
    return await table_response(
        format, sheet, filename=f"{code}-maksatushakemus-{number}", csv_options=fileformat.CSV
    )
