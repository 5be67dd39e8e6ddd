"""Reference data: projects, administrative sectors (hallintoalat) and indicator kinds."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import col, func, or_, select

from hanke_libs.audit import diff
from hanke_libs.auth import CurrentPrincipal, Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.problems import Conflict, NotFound, UnprocessableContent
from pilots.access import require_read
from pilots.models import IndicatorKind, Pilot, Project, Sector, audit
from pilots.pilot_ops import get_project
from pilots.schemas.reference import (
    IndicatorKindPublic,
    ProjectCreate,
    ProjectPublic,
    SectorCreate,
    SectorPublic,
    SectorUpdate,
)

router = APIRouter(tags=["reference data"])
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
Manager = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]


async def _project_public(session: SessionDep, project: Project) -> ProjectPublic:
    count = (
        await session.exec(select(func.count()).select_from(Pilot).where(Pilot.project_code == project.code))
    ).one()
    return ProjectPublic(**project.model_dump(), pilots=int(count))


@router.get("/projects", response_model=Page[ProjectPublic])
async def list_projects(
    session: SessionDep, principal: CurrentPrincipal, page: PageDep
) -> Page[ProjectPublic]:
    require_read(principal)
    rows = (
        await session.exec(
            select(Project).order_by(col(Project.code)).offset(page.offset).limit(page.limit + 1)
        )
    ).all()
    return offset_page([await _project_public(session, p) for p in rows], page)


@router.get("/projects/{code}", response_model=ProjectPublic)
async def read_project(code: str, session: SessionDep, principal: CurrentPrincipal) -> ProjectPublic:
    require_read(principal)
    return await _project_public(session, await get_project(session, code))


@router.post(
    "/projects", status_code=201, response_model=ProjectPublic, summary="Add a project reference (admin)"
)
async def create_project(body: ProjectCreate, session: SessionDep, principal: Admin) -> ProjectPublic:
    if await session.get(Project, body.code) is not None:
        raise Conflict(f"Project {body.code} exists already.", slug="duplicate-project")
    project = Project(**body.model_dump())
    session.add(project)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="project",
        entity_id=project.code,
        changes=body.model_dump(),
    )
    return ProjectPublic(**project.model_dump(), pilots=0)


@router.get("/sectors", response_model=Page[SectorPublic])
async def list_sectors(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    valid_on: Annotated[dt.date | None, Query(description="Only sectors valid on this date")] = None,
) -> Page[SectorPublic]:
    require_read(principal)
    stmt = select(Sector).order_by(col(Sector.code))
    if valid_on is not None:
        stmt = stmt.where(
            or_(col(Sector.valid_from).is_(None), col(Sector.valid_from) <= valid_on),
            or_(col(Sector.valid_to).is_(None), col(Sector.valid_to) >= valid_on),
        )
    rows = (await session.exec(stmt.offset(page.offset).limit(page.limit + 1))).all()
    return offset_page([SectorPublic.model_validate(r, from_attributes=True) for r in rows], page)


@router.post(
    "/sectors", status_code=201, response_model=SectorPublic, summary="Add a sector (admin, project manager)"
)
async def create_sector(body: SectorCreate, session: SessionDep, principal: Manager) -> SectorPublic:
    if await session.get(Sector, body.code) is not None:
        raise Conflict(f"Sector {body.code} exists already.", slug="duplicate-sector")
    sector = Sector(**body.model_dump())
    session.add(sector)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="sector",
        entity_id=sector.code,
        changes=body.model_dump(),
    )
    return SectorPublic.model_validate(sector, from_attributes=True)


@router.patch("/sectors/{code}", response_model=SectorPublic, summary="Rename a sector or set its validity")
async def update_sector(
    code: str, body: SectorUpdate, session: SessionDep, principal: Manager
) -> SectorPublic:
    """Pilots keep the sectors they had: ending a sector does not remove it from any pilot."""
    sector = await session.get(Sector, code)
    if sector is None:
        raise NotFound(f"No sector {code!r}.", slug="sector-not-found")
    before = sector.model_dump()
    for key in body.model_fields_set:
        value = getattr(body, key)
        if value is None and key in ("name_fi", "name_en"):
            raise UnprocessableContent(f"{key} cannot be emptied.")
        setattr(sector, key, value)
    if sector.valid_from and sector.valid_to and sector.valid_to < sector.valid_from:
        raise UnprocessableContent("valid_to is before valid_from.", slug="invalid-sector")
    changes = diff(before, sector.model_dump())
    if changes:
        session.add(sector)
        await audit.record(
            session, actor=principal, action="update", entity_type="sector", entity_id=code, changes=changes
        )
    return SectorPublic.model_validate(sector, from_attributes=True)


@router.get("/indicator-kinds", response_model=Page[IndicatorKindPublic])
async def list_kinds(
    session: SessionDep, principal: CurrentPrincipal, page: PageDep
) -> Page[IndicatorKindPublic]:
    require_read(principal)
    rows = (
        await session.exec(
            select(IndicatorKind)
            .order_by(col(IndicatorKind.sort_order), col(IndicatorKind.code))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    return offset_page([IndicatorKindPublic.model_validate(r, from_attributes=True) for r in rows], page)
