"""Pilots of a project: create, list, read (ETag, as of a day), change (If-Match), titles, relation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hanke_libs.auth import request_principal
from hanke_libs.etag import IF_MATCH_RESPONSES, IfMatchDep, set_etag, stale_as_412, version_etag
from hanke_libs.inputs import StrictDate
from hanke_libs.leanroute import LeanRoute, lean
from hanke_libs.paging import Page, PageDep, offset_page, page_params
from hanke_libs.personal import redact_for
from pilots.gates.schemas import FrozenChangePublic
from pilots.pilots import bodies, edits, hot_detail, repository, service
from pilots.pilots.schemas import (
    MyPilot,
    PilotCreate,
    PilotList,
    PilotPublic,
    PilotRelation,
    PilotTitle,
    PilotUpdate,
)
from pilots.scope import HotScopeDep, ScopeDep, hot_scope_dependency
from pilots.types import CodePath, PilotIdPath, Stage

router = APIRouter(tags=["pilots"], route_class=LeanRoute)
AsOf = Annotated[
    StrictDate | None,
    Query(
        description="Answer as of this day (YYYY-MM-DD): stages from the stage history, indicator values "
        "from measurements up to it, decisions made by then"
    ),
]


async def _detail(
    scope: ScopeDep, found: repository.ScopedPilot, response: Response, as_of: dt.date | None = None
) -> PilotPublic:
    set_etag(response, found.row.version)
    return redact_for(scope.principal, await bodies.to_public(scope, found, as_of))


@router.post("/projects/{code}/pilots", status_code=201, response_model=PilotPublic, summary="Create a pilot")
async def create_pilot(code: CodePath, body: PilotCreate, scope: ScopeDep, response: Response) -> PilotPublic:
    """A new pilot in stage idea (pilot owner for itself; project manager or admin for anyone). The
    owner's person id is checked with the participants service (422 naming ``owner_id`` when there is
    no such active person). ``Location`` names the new pilot."""
    found = await edits.create(scope, code, body)
    response.headers["Location"] = bodies.href(scope, found.id)
    return await _detail(scope, found, response)


async def _list_pilots_lean(request: Request, code: str) -> Response:
    """``list_pilots`` with no query string, its dependencies called directly (hanke_libs.leanroute)."""
    scope = await hot_scope_dependency(request, await request_principal(request))
    return await list_pilots(code, scope, await page_params(request))


@router.get("/projects/{code}/pilots", response_model=PilotList, summary="List a project's pilots")
@lean(_list_pilots_lean)
async def list_pilots(
    code: CodePath,
    scope: HotScopeDep,
    page: PageDep,
    stage: Annotated[
        Stage | None, Query(description="Only pilots in this stage (on as_of, if given)")
    ] = None,
    owner_id: Annotated[str | None, Query(max_length=120, description="Only this owner's pilots")] = None,
    as_of: AsOf = None,
) -> Response:
    """Oldest first (created_at, id). A champion sees the pilots it is enrolled in; steering sees no
    owner ids. With ``as_of``: the pilots that existed on that day with their stage then."""
    # A hot read (pilots.pilots.hot; benchmarks/data_path.py "pilots-list"): the summaries are
    # validated once, when made, and the body serialised once.
    items, total = await service.list_in_project(
        scope, code, stage=stage, owner_id=owner_id, as_of=as_of, offset=page.offset, limit=page.limit + 1
    )
    paged = offset_page([redact_for(scope.principal, i) for i in items], page, total)
    body = PilotList(
        items=paged.items,
        limit=paged.limit,
        offset=paged.offset,
        total=paged.total,
        next_offset=paged.next_offset,
        next_cursor=paged.next_cursor,
        as_of=as_of,
    )
    return Response(body.__pydantic_serializer__.to_json(body), media_type="application/json")


@router.get(
    "/projects/{code}/pilot-titles",
    response_model=Page[PilotTitle],
    summary="List the titles of a project's pilots",
)
async def list_pilot_titles(code: CodePath, scope: ScopeDep, page: PageDep) -> Page[PilotTitle]:
    """Ids, titles and project of the project's pilots, nothing else: what finance needs to book a cost
    to a pilot (finance reads every pilot's title; others the pilots they may read)."""
    await repository.get_project(scope, code)
    rows, total = await repository.titles(scope, code, offset=page.offset, limit=page.limit + 1)
    return offset_page(
        [PilotTitle(id=p.id, title=p.title, project_code=p.project_code) for p in rows], page, total
    )


@router.get(
    "/me/pilots", response_model=Page[MyPilot], summary="List the pilots I own or follow as a champion"
)
async def list_my_pilots(scope: ScopeDep, page: PageDep) -> Page[MyPilot]:
    """Across projects: the pilots whose owner is the caller (``relation: owner``) and those it is an
    active champion of (``relation: champion``, from participants' enrolments)."""
    items, total = await service.mine(scope, offset=page.offset, limit=page.limit + 1)
    return offset_page([redact_for(scope.principal, i) for i in items], page, total)


async def _read_pilot_lean(request: Request, pilot_id: str) -> Response:
    """``read_pilot`` with no query string, its dependencies called directly (hanke_libs.leanroute)."""
    return await read_pilot(pilot_id, await hot_scope_dependency(request, await request_principal(request)))


@router.get("/pilots/{pilot_id}", response_model=PilotPublic, summary="Read a pilot")
@lean(_read_pilot_lean)
async def read_pilot(pilot_id: PilotIdPath, scope: HotScopeDep, as_of: AsOf = None) -> Response:
    """The pilot with its sectors, canvas, indicators (progress and traffic lights), success rating and
    latest evaluation decision; ``ETag`` for a later PATCH. Steering sees no person ids or
    person-written text. With ``as_of``: stage, indicator values and decision as they were then."""
    # A hot read (pilots.pilots.hot_detail; benchmarks/data_path.py "pilot-admin"): the body is
    # serialised once, as budget's project read.
    public = redact_for(scope.principal, await hot_detail.read(scope, pilot_id, as_of))
    return Response(
        public.__pydantic_serializer__.to_json(public),
        media_type="application/json",
        headers={"ETag": version_etag(public.version)},
    )


@router.patch(
    "/pilots/{pilot_id}", response_model=PilotPublic, responses=IF_MATCH_RESPONSES, summary="Change a pilot"
)
async def update_pilot(
    pilot_id: PilotIdPath, body: PilotUpdate, scope: ScopeDep, response: Response, if_match: IfMatchDep
) -> PilotPublic:
    """The sent fields change (its owner, the project manager or admin; If-Match required: 428 without,
    412 stale). What was tested is frozen once the pilot runs (send ``change_reason``); an approved or
    later pilot must stay multi-sector and involve customers (409 ``portfolio-rule``)."""
    with stale_as_412(f"Pilot {pilot_id}"):
        found = await edits.update(scope, pilot_id, body, if_match)
    return await _detail(scope, found, response)


@router.get("/pilots/{pilot_id}/relation", response_model=PilotRelation, summary="My relation to a pilot")
async def read_relation(pilot_id: PilotIdPath, scope: ScopeDep) -> PilotRelation:
    """Whether the caller owns the pilot, is its champion, may read or edit it; for other services'
    rules (any authenticated caller, about themselves; 404 when there is no such pilot)."""
    return await service.relation(scope, pilot_id)


@router.get(
    "/pilots/{pilot_id}/frozen-changes",
    response_model=Page[FrozenChangePublic],
    summary="List changes of what was tested after the pilot started running",
)
async def read_frozen_changes(
    pilot_id: PilotIdPath, scope: ScopeDep, page: PageDep
) -> Page[FrozenChangePublic]:
    """Each change of the hypothesis, riskiest assumption or an indicator's baseline, target or direction
    made once the pilot ran, with its reason."""
    found = await repository.get(scope, pilot_id)
    rows = await service.frozen_changes(scope, found, offset=page.offset, limit=page.limit + 1)
    items = [
        redact_for(scope.principal, FrozenChangePublic.model_validate(r, from_attributes=True)) for r in rows
    ]
    return offset_page(items, page)
