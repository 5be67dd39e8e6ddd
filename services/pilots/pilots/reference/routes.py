"""Reference data: projects, administrative sectors (hallintoalat) and indicator kinds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.inputs import StrictDate
from hanke_libs.paging import Page, PageDep, offset_page
from pilots.reference import service
from pilots.reference.schemas import (
    IndicatorKindPublic,
    PilotProjectPublic,
    ProjectCreate,
    SectorCreate,
    SectorPublic,
    SectorUpdate,
)
from pilots.scope import ScopeDep
from pilots.types import CodePath

router = APIRouter(tags=["reference data"])
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
Manager = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]
SectorCodePath = Annotated[str, Path(min_length=1, max_length=80, description="The sector's code")]


@router.get(
    "/projects", response_model=Page[PilotProjectPublic], summary="List the projects pilots belong to"
)
async def list_projects(scope: ScopeDep, page: PageDep) -> Page[PilotProjectPublic]:
    """Every project reference the pilots service knows, by code, with its number of pilots."""
    items, total = await service.list_projects(scope, offset=page.offset, limit=page.limit + 1)
    return offset_page(items, page, total)


@router.get("/projects/{code}", response_model=PilotProjectPublic, summary="Read a project reference")
async def read_project(code: CodePath, scope: ScopeDep) -> PilotProjectPublic:
    """The project's code, name, period and number of pilots."""
    return await service.read_project(scope, code)


@router.post(
    "/projects", status_code=201, response_model=PilotProjectPublic, summary="Add a project reference"
)
async def create_project(
    body: ProjectCreate, scope: ScopeDep, _: Manager, response: Response
) -> PilotProjectPublic:
    """A new project pilots can belong to (admin, project manager: those who create a project in the
    budget service; the gateway's ``POST /api/v1/projects`` does both). ``Location`` names it."""
    project = await service.create_project(scope, body)
    response.headers["Location"] = project.href
    return project


@router.delete("/projects/{code}", status_code=204, summary="Remove a project reference with no pilots")
async def delete_project(code: CodePath, scope: ScopeDep, _: Manager) -> Response:
    """Admin, project manager. 409 ``project-not-empty`` once a pilot or establishment belongs to it."""
    await service.delete_empty_project(scope, code)
    return Response(status_code=204)


@router.get("/sectors", response_model=Page[SectorPublic], summary="List the administrative sectors")
async def list_sectors(
    scope: ScopeDep,
    page: PageDep,
    valid_on: Annotated[StrictDate | None, Query(description="Only sectors valid on this date")] = None,
) -> Page[SectorPublic]:
    """Sectors (hallintoalat) with their validity dates, by code."""
    items, total = await service.list_sectors(
        scope, valid_on=valid_on, offset=page.offset, limit=page.limit + 1
    )
    return offset_page(items, page, total)


@router.get("/sectors/{sector_code}", response_model=SectorPublic, summary="Read a sector")
async def read_sector(sector_code: SectorCodePath, scope: ScopeDep) -> SectorPublic:
    """One administrative sector with its names and validity."""
    return await service.read_sector(scope, sector_code)


@router.post("/sectors", status_code=201, response_model=SectorPublic, summary="Add a sector")
async def create_sector(body: SectorCreate, scope: ScopeDep, _: Manager, response: Response) -> SectorPublic:
    """A new administrative sector (admin, project manager). ``Location`` names it."""
    sector = await service.create_sector(scope, body)
    response.headers["Location"] = sector.href
    return sector


@router.patch(
    "/sectors/{sector_code}", response_model=SectorPublic, summary="Rename a sector or set its validity"
)
async def update_sector(
    sector_code: SectorCodePath, body: SectorUpdate, scope: ScopeDep, _: Manager
) -> SectorPublic:
    """Pilots keep the sectors they had: ending a sector does not remove it from any pilot."""
    return await service.update_sector(scope, sector_code, body)


@router.get("/indicator-kinds", response_model=Page[IndicatorKindPublic], summary="List the indicator kinds")
async def list_kinds(scope: ScopeDep, page: PageDep) -> Page[IndicatorKindPublic]:
    """Impact, well-being at work, productivity, customer experience, other."""
    items, total = await service.list_kinds(scope, offset=page.offset, limit=page.limit + 1)
    return offset_page(items, page, total)
