"""Pilots of a project: create, list, read (ETag), change (If-Match), lifecycle moves, portfolio."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import col, func, select

from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from pilots import pilot_ops, stage_ops
from pilots.access import require_read
from pilots.etag import check_if_match, set_etag, stale_as_412
from pilots.indicator_ops import indicators_public
from pilots.models import FrozenChange, Pilot, PilotSector, StageChange
from pilots.schemas.common import Stage
from pilots.schemas.pilot import (
    FrozenChangePublic,
    MoveRequest,
    NextGate,
    PilotCreate,
    PilotPublic,
    PilotSummary,
    PilotUpdate,
    Portfolio,
    StageChangePublic,
)

router = APIRouter(tags=["pilots"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]


async def _detail(
    session: SessionDep, principal: CurrentPrincipal, pilot: Pilot, response: Response
) -> PilotPublic:
    set_etag(response, pilot.version)
    return await pilot_ops.to_public(session, pilot, await indicators_public(session, principal, pilot))


@router.post("/projects/{code}/pilots", status_code=201, response_model=PilotPublic, summary="Create a pilot")
async def create_pilot(
    code: str, body: PilotCreate, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> PilotPublic:
    project = await pilot_ops.get_project(session, code)
    pilot = await pilot_ops.create(session=session, principal=principal, project=project, data=body)
    response.headers["Location"] = f"/pilots/{pilot.id}"
    return await _detail(session, principal, pilot, response)


@router.get("/projects/{code}/pilots", response_model=Page[PilotSummary], summary="List a project's pilots")
async def list_pilots(
    code: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    stage: Annotated[Stage | None, Query()] = None,
    owner_id: Annotated[str | None, Query(max_length=120, description="Only this owner's pilots")] = None,
) -> Page[PilotSummary]:
    """Oldest first (created_at, id)."""
    require_read(principal)
    await pilot_ops.get_project(session, code)
    where = [Pilot.project_code == code]
    if stage is not None:
        where.append(Pilot.stage == str(stage))
    if owner_id is not None:
        where.append(Pilot.owner_id == owner_id)
    total = int((await session.exec(select(func.count()).select_from(Pilot).where(*where))).one())
    pilots = (
        await session.exec(
            select(Pilot)
            .where(*where)
            .order_by(col(Pilot.created_at), col(Pilot.id))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    sectors: dict[str, list[str]] = defaultdict(list)
    ids = [p.id for p in pilots]
    for row in await session.exec(
        select(PilotSector).where(col(PilotSector.pilot_id).in_(ids)).order_by(col(PilotSector.sector_code))
    ):
        sectors[row.pilot_id].append(row.sector_code)
    items = [
        PilotSummary(
            id=p.id,
            project_code=p.project_code,
            title=p.title,
            stage=Stage(p.stage),
            owner_id=p.owner_id,
            sectors=sectors[p.id],
            success_rating=p.success_rating,
            start_date=p.start_date,
            end_date=p.end_date,
            version=p.version,
        )
        for p in pilots
    ]
    return offset_page(items, page, total)


@router.get("/pilots/{pilot_id}", response_model=PilotPublic, summary="A pilot with sectors and indicators")
async def read_pilot(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> PilotPublic:
    require_read(principal)
    pilot = await pilot_ops.get_pilot(session, pilot_id)
    return await _detail(session, principal, pilot, response)


@router.patch("/pilots/{pilot_id}", response_model=PilotPublic, summary="Change a pilot (If-Match required)")
async def update_pilot(
    pilot_id: str,
    body: PilotUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> PilotPublic:
    pilot = await pilot_ops.get_pilot(session, pilot_id)
    check_if_match(if_match, pilot.version, required=True)
    with stale_as_412():
        pilot = await pilot_ops.update(session=session, principal=principal, pilot=pilot, data=body)
    return await _detail(session, principal, pilot, response)


@router.post("/pilots/{pilot_id}/moves", response_model=PilotPublic, summary="Move a pilot to another stage")
async def move_pilot(
    pilot_id: str,
    body: MoveRequest,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> PilotPublic:
    """Checked against the gates; refused with 409 naming what is ``missing`` and the ``allowed_moves``.
    If-Match is optional here (checked when sent)."""
    pilot = await pilot_ops.get_pilot(session, pilot_id)
    check_if_match(if_match, pilot.version, required=False)
    with stale_as_412():
        pilot = await stage_ops.move(session=session, principal=principal, pilot=pilot, request=body)
    return await _detail(session, principal, pilot, response)


@router.get("/pilots/{pilot_id}/next-gate", response_model=NextGate, summary="What the next stage needs")
async def read_next_gate(pilot_id: str, session: SessionDep, principal: CurrentPrincipal) -> NextGate:
    require_read(principal)
    return await stage_ops.next_gate(session, await pilot_ops.get_pilot(session, pilot_id))


@router.get("/pilots/{pilot_id}/history", response_model=Page[StageChangePublic], summary="Stage history")
async def read_history(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, page: PageDep
) -> Page[StageChangePublic]:
    require_read(principal)
    await pilot_ops.get_pilot(session, pilot_id)
    rows = (
        await session.exec(
            select(StageChange)
            .where(StageChange.pilot_id == pilot_id)
            .order_by(col(StageChange.at), col(StageChange.id))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    return offset_page([StageChangePublic.model_validate(r, from_attributes=True) for r in rows], page)


@router.get(
    "/pilots/{pilot_id}/frozen-changes",
    response_model=Page[FrozenChangePublic],
    summary="Recorded changes of what was tested, made after the pilot started running",
)
async def read_frozen_changes(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, page: PageDep
) -> Page[FrozenChangePublic]:
    require_read(principal)
    await pilot_ops.get_pilot(session, pilot_id)
    rows = (
        await session.exec(
            select(FrozenChange)
            .where(FrozenChange.pilot_id == pilot_id)
            .order_by(col(FrozenChange.at), col(FrozenChange.id))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    return offset_page([FrozenChangePublic.model_validate(r, from_attributes=True) for r in rows], page)


@router.get(
    "/projects/{code}/portfolio", response_model=Portfolio, summary="The project's portfolio of pilots"
)
async def read_portfolio(code: str, session: SessionDep, principal: CurrentPrincipal) -> Portfolio:
    require_read(principal)
    return await stage_ops.portfolio(session, await pilot_ops.get_project(session, code))
