"""Projects and budget versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlmodel import col, select

from budget import projects
from budget.access import manage_plan, read_plan
from budget.models import BudgetVersion, Project
from budget.schemas import (
    BudgetVersionCreate,
    BudgetVersionPublic,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
)
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page

router = APIRouter(tags=["projects"])
Code = Annotated[str, Path(min_length=1, max_length=40, description="Project code, e.g. S21894")]
Reader = Annotated[Principal, Depends(read_plan)]
Manager = Annotated[Principal, Depends(manage_plan)]


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectPublic,
    summary="Create a project (admin, project_manager)",
)
async def create_project(
    data: ProjectCreate, session: SessionDep, actor: Manager, response: Response
) -> ProjectPublic:
    project = await projects.create(session=session, data=data, actor=actor)
    response.headers["Location"] = f"/projects/{project.code}"
    return await projects.public(session=session, project=project)


@router.get("/projects", response_model=Page[ProjectPublic], summary="List projects")
async def list_projects(session: SessionDep, _: Reader, page: PageDep) -> Page[ProjectPublic]:
    stmt = select(Project).order_by(col(Project.code)).offset(page.offset).limit(page.limit + 1)
    rows = (await session.exec(stmt)).all()
    items = [await projects.public(session=session, project=p) for p in rows]
    return offset_page(items, page)


@router.get("/projects/{code}", response_model=ProjectPublic, summary="A project with its funding plan")
async def get_project(code: Code, session: SessionDep, _: Reader, response: Response) -> ProjectPublic:
    project = await projects.get(session=session, code=code)
    response.headers["ETag"] = f'"{project.version}"'
    return await projects.public(session=session, project=project)


@router.patch(
    "/projects/{code}",
    response_model=ProjectPublic,
    summary="Change name, period or cost model (the cost model is fixed once costs exist: 409)",
)
async def update_project(
    code: Code, data: ProjectUpdate, session: SessionDep, actor: Manager
) -> ProjectPublic:
    project = await projects.get(session=session, code=code)
    project = await projects.update(session=session, project=project, data=data, actor=actor)
    return await projects.public(session=session, project=project)


@router.post(
    "/projects/{code}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=BudgetVersionPublic,
    summary="Append a budget version (applied, decided, amended); versions are never changed",
)
async def create_version(
    code: Code, data: BudgetVersionCreate, session: SessionDep, actor: Manager
) -> BudgetVersionPublic:
    project = await projects.get(session=session, code=code)
    version = await projects.create_version(session=session, project=project, data=data, actor=actor)
    return await projects.version_public(session=session, project=project, version=version)


@router.get("/projects/{code}/versions", response_model=Page[BudgetVersionPublic], summary="Budget versions")
async def list_versions(
    code: Code, session: SessionDep, _: Reader, page: PageDep
) -> Page[BudgetVersionPublic]:
    project = await projects.get(session=session, code=code)
    stmt = (
        select(BudgetVersion)
        .where(BudgetVersion.project_id == project.id)
        .order_by(col(BudgetVersion.number))
        .offset(page.offset)
        .limit(page.limit + 1)
    )
    rows = (await session.exec(stmt)).all()
    items = [await projects.version_public(session=session, project=project, version=v) for v in rows]
    return offset_page(items, page)


@router.get("/projects/{code}/versions/compare", summary="Compare two budget versions line by line (b − a)")
async def compare_versions(
    code: Code,
    session: SessionDep,
    _: Reader,
    a: Annotated[int, Query(ge=1)],
    b: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    project = await projects.get(session=session, code=code)
    va = await projects.version_by_number(session=session, project=project, number=a)
    vb = await projects.version_by_number(session=session, project=project, number=b)
    return await projects.compare(session=session, a=va, b=vb)


@router.get(
    "/projects/{code}/versions/{number}", response_model=BudgetVersionPublic, summary="One budget version"
)
async def get_version(
    code: Code, number: Annotated[int, Path(ge=1)], session: SessionDep, _: Reader
) -> BudgetVersionPublic:
    project = await projects.get(session=session, code=code)
    version = await projects.version_by_number(session=session, project=project, number=number)
    return await projects.version_public(session=session, project=project, version=version)


@router.post(
    "/projects/{code}/versions/{number}/make-current",
    response_model=BudgetVersionPublic,
    summary="Make a version the current one",
)
async def make_current(
    code: Code, number: Annotated[int, Path(ge=1)], session: SessionDep, actor: Manager
) -> BudgetVersionPublic:
    project = await projects.get(session=session, code=code)
    version = await projects.version_by_number(session=session, project=project, number=number)
    await projects.make_current(session=session, project=project, version=version, actor=actor)
    return await projects.version_public(session=session, project=project, version=version)
