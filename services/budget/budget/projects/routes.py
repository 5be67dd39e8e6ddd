"""Projects: create, list, read, change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from budget.access import manage_plan, read_plan
from budget.links import LinksDep, get_links
from budget.projects import hot, removal, service
from budget.projects.schemas import BudgetProjectCreate, BudgetProjectPublic, BudgetProjectUpdate
from hanke_libs.auth import CurrentPrincipal, Principal, request_principal
from hanke_libs.db import SessionDep
from hanke_libs.etag import IF_MATCH_RESPONSES, IfMatchDep, set_etag, version_etag
from hanke_libs.leanroute import LeanRoute, lean
from hanke_libs.paging import Page, PageDep, offset_page

router = APIRouter(tags=["projects"], route_class=LeanRoute)
Code = Annotated[str, Path(min_length=1, max_length=40, description="Project code, e.g. S21894")]
Reader = Annotated[Principal, Depends(read_plan)]
Manager = Annotated[Principal, Depends(manage_plan)]


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=BudgetProjectPublic,
    summary="Create a project with its funding plan",
    description="Admin or project manager. Creates the project with its implementers, funding sources and "
    "own-funding caps, and the default governance rules; the first budget version is added with "
    "`POST /projects/{code}/versions`. 409 when the code exists.",
)
async def create_project(
    data: BudgetProjectCreate, session: SessionDep, actor: Manager, response: Response, links: LinksDep
) -> BudgetProjectPublic:
    project = await service.create(session=session, data=data, actor=actor)
    response.headers["Location"] = links.project(project.code)
    return await service.public(session=session, principal=actor, project=project, links=links)


@router.get(
    "/projects",
    response_model=Page[BudgetProjectPublic],
    summary="The projects, a page at a time",
    description="Every project the caller may read (finance: the projects its implementer takes part in), "
    "by code.",
)
async def list_projects(
    session: SessionDep, caller: Reader, page: PageDep, links: LinksDep
) -> Page[BudgetProjectPublic]:
    items = await service.page(
        session=session, principal=caller, links=links, offset=page.offset, limit=page.limit + 1
    )
    return offset_page(items, page)


async def _get_project_lean(request: Request, code: str) -> Response:
    """``get_project`` with its dependencies called directly (hanke_libs.leanroute)."""
    return await get_project(code, request, await request_principal(request), await get_links(request))


@router.get(
    "/projects/{code}",
    response_model=BudgetProjectPublic,
    summary="Read a project with its funding plan in force",
    description="The project, the budget version in force and its funding plan. Sends an ETag; send it "
    "back as If-Match when changing the project.",
)
@lean(_get_project_lean)
async def get_project(code: Code, request: Request, caller: CurrentPrincipal, links: LinksDep) -> Response:
    """A hot read: one statement on the read pool, no session, the body serialised once
    (budget.projects.hot; benchmarks/data_path.py, hot read "project"); lean (hanke_libs.leanroute)."""
    actor = await read_plan(caller)
    version, body = await hot.read_public(db=request.app.state.db, principal=actor, code=code, links=links)
    return Response(
        body.__pydantic_serializer__.to_json(body),
        media_type="application/json",
        headers={"ETag": version_etag(version)},
    )


@router.patch(
    "/projects/{code}",
    response_model=BudgetProjectPublic,
    summary="Change a project's name, period or cost model",
    description="Admin or project manager. The cost model is fixed once costs exist (409); once a budget "
    "version is in force the period changes only by a new budget version (409). If-Match with the "
    "project's ETag is required (428 without, 412 when stale); null is refused for every field (422).",
    responses=IF_MATCH_RESPONSES,
)
async def update_project(
    code: Code,
    data: BudgetProjectUpdate,
    session: SessionDep,
    actor: Manager,
    response: Response,
    links: LinksDep,
    if_match: IfMatchDep,
) -> BudgetProjectPublic:
    project = await service.update(session=session, principal=actor, code=code, data=data, if_match=if_match)
    set_etag(response, project.version)
    return await service.public(session=session, principal=actor, project=project, links=links)


@router.delete(
    "/projects/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a project that holds no data yet",
    description="Admin or project manager (who may create a project may remove it while it is empty). "
    "Removes the project with its funding plan and governance rules; 409 `project-not-empty` once it has "
    "a budget version, ledger entries, claims, decisions, period locks or account mappings. The gateway's "
    "one-call create uses it to undo its first step (ADR 0010).",
)
async def delete_project(code: Code, session: SessionDep, actor: Manager) -> Response:
    await removal.remove_empty(session=session, principal=actor, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
