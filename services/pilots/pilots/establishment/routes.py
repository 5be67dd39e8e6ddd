"""Establishment records (vakiinnuttaminen) of a project."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hanke_libs.etag import IF_MATCH_RESPONSES, IfMatchDep, set_etag, stale_as_412
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.personal import redact_for
from pilots.establishment import service
from pilots.establishment.schemas import EstablishmentCreate, EstablishmentPublic, EstablishmentUpdate
from pilots.pilots import repository
from pilots.scope import ScopeDep
from pilots.types import ChildIdPath, CodePath

router = APIRouter(tags=["timeline and establishment"])


@router.post(
    "/projects/{code}/establishments",
    status_code=201,
    response_model=EstablishmentPublic,
    summary="Create an establishment record",
)
async def create_establishment(
    code: CodePath, body: EstablishmentCreate, scope: ScopeDep, response: Response
) -> EstablishmentPublic:
    """A practice from one or more of the project's pilots and where it now lives (owner of every linked
    pilot, project manager or admin; a decided record: project manager or admin). Refused (409) for a
    pilot whose latest evaluation decision is park or stop. ``Location`` names the new record."""
    record = await service.create(scope, code, body)
    set_etag(response, record.version)
    public = await service.to_public(scope, record)
    response.headers["Location"] = public.href
    return public


@router.get(
    "/projects/{code}/establishments",
    response_model=Page[EstablishmentPublic],
    summary="List establishment records",
)
async def list_establishments(code: CodePath, scope: ScopeDep, page: PageDep) -> Page[EstablishmentPublic]:
    """The project's establishment records that link a pilot the caller may read, oldest first."""
    await repository.get_project(scope, code)
    rows, total = await service.list_in_project(scope, code, offset=page.offset, limit=page.limit + 1)
    return offset_page(
        [redact_for(scope.principal, await service.to_public(scope, r)) for r in rows], page, total
    )


@router.get(
    "/establishments/{establishment_id}",
    response_model=EstablishmentPublic,
    summary="Read an establishment record",
)
async def read_establishment(
    establishment_id: ChildIdPath, scope: ScopeDep, response: Response
) -> EstablishmentPublic:
    """The record with its linked pilots; ``ETag`` for a later PATCH."""
    record = await service.get(scope, establishment_id)
    set_etag(response, record.version)
    return redact_for(scope.principal, await service.to_public(scope, record))


@router.patch(
    "/establishments/{establishment_id}",
    response_model=EstablishmentPublic,
    responses=IF_MATCH_RESPONSES,
    summary="Change an establishment record",
)
async def update_establishment(
    establishment_id: ChildIdPath,
    body: EstablishmentUpdate,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchDep,
) -> EstablishmentPublic:
    """Status proposed -> decided -> in_use (decided needs the decision's date and reference, and the
    project manager or an admin); If-Match required (428 without, 412 stale)."""
    with stale_as_412(f"Establishment record {establishment_id}"):
        record = await service.update(scope, establishment_id, body, if_match)
    set_etag(response, record.version)
    return await service.to_public(scope, record)
