"""Timeline posts of a pilot and establishment records of a project."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlmodel import col, func, select

from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from pilots import establishment_ops
from pilots.access import require_post, require_read
from pilots.etag import check_if_match, set_etag, stale_as_412
from pilots.models import Establishment, TimelinePost, audit
from pilots.pilot_ops import get_pilot, get_project
from pilots.schemas.timeline import (
    EstablishmentCreate,
    EstablishmentPublic,
    EstablishmentUpdate,
    TimelinePostCreate,
    TimelinePostPublic,
)

router = APIRouter(tags=["timeline and establishment"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]


@router.post("/pilots/{pilot_id}/timeline", status_code=201, response_model=TimelinePostPublic)
async def create_post(
    pilot_id: str, body: TimelinePostCreate, session: SessionDep, principal: CurrentPrincipal
) -> TimelinePostPublic:
    """A dated progress post (owner, champions, project manager, admin)."""
    pilot = await get_pilot(session, pilot_id)
    require_post(principal, pilot)
    post = TimelinePost(
        pilot_id=pilot.id,
        author_id=principal.person_id,
        posted_on=body.posted_on or dt.date.today(),
        text=body.text,
        links=body.links,
    )
    session.add(post)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="timeline_post",
        entity_id=post.id,
        changes={"pilot_id": pilot.id, "posted_on": post.posted_on, "text": post.text, "links": post.links},
    )
    return TimelinePostPublic.model_validate(post, from_attributes=True)


@router.get("/pilots/{pilot_id}/timeline", response_model=Page[TimelinePostPublic])
async def list_posts(
    pilot_id: str, session: SessionDep, principal: CurrentPrincipal, page: PageDep
) -> Page[TimelinePostPublic]:
    """Newest first."""
    require_read(principal)
    await get_pilot(session, pilot_id)
    total = int(
        (
            await session.exec(
                select(func.count()).select_from(TimelinePost).where(TimelinePost.pilot_id == pilot_id)
            )
        ).one()
    )
    rows = (
        await session.exec(
            select(TimelinePost)
            .where(TimelinePost.pilot_id == pilot_id)
            .order_by(
                col(TimelinePost.posted_on).desc(), col(TimelinePost.created_at).desc(), col(TimelinePost.id)
            )
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    return offset_page(
        [TimelinePostPublic.model_validate(r, from_attributes=True) for r in rows], page, total
    )


@router.post("/projects/{code}/establishments", status_code=201, response_model=EstablishmentPublic)
async def create_establishment(
    code: str, body: EstablishmentCreate, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> EstablishmentPublic:
    """A practice from one or more of the project's pilots and where it now lives."""
    project = await get_project(session, code)
    record = await establishment_ops.create(session=session, principal=principal, project=project, data=body)
    set_etag(response, record.version)
    return await establishment_ops.to_public(session, record)


@router.get("/projects/{code}/establishments", response_model=Page[EstablishmentPublic])
async def list_establishments(
    code: str, session: SessionDep, principal: CurrentPrincipal, page: PageDep
) -> Page[EstablishmentPublic]:
    require_read(principal)
    await get_project(session, code)
    rows = (
        await session.exec(
            select(Establishment)
            .where(Establishment.project_code == code)
            .order_by(col(Establishment.created_at), col(Establishment.id))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    return offset_page([await establishment_ops.to_public(session, r) for r in rows], page)


@router.get("/establishments/{establishment_id}", response_model=EstablishmentPublic)
async def read_establishment(
    establishment_id: str, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> EstablishmentPublic:
    require_read(principal)
    record = await establishment_ops.get(session, establishment_id)
    set_etag(response, record.version)
    return await establishment_ops.to_public(session, record)


@router.patch("/establishments/{establishment_id}", response_model=EstablishmentPublic)
async def update_establishment(
    establishment_id: str,
    body: EstablishmentUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> EstablishmentPublic:
    """Status proposed -> decided -> in_use (decided needs the decision's date and reference)."""
    record = await establishment_ops.get(session, establishment_id)
    check_if_match(if_match, record.version, required=True)
    with stale_as_412():
        record = await establishment_ops.update(
            session=session, principal=principal, record=record, data=body
        )
    set_etag(response, record.version)
    return await establishment_ops.to_public(session, record)
