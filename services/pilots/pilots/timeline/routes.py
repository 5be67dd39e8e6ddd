"""A pilot's timeline of progress posts."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.personal import redact_for
from pilots.pilots import repository
from pilots.scope import ScopeDep
from pilots.timeline import service
from pilots.timeline.schemas import TimelinePostCreate, TimelinePostPublic
from pilots.types import ChildIdPath, PilotIdPath

router = APIRouter(tags=["timeline and establishment"])


@router.post(
    "/pilots/{pilot_id}/timeline",
    status_code=201,
    response_model=TimelinePostPublic,
    summary="Post to a pilot's timeline",
)
async def create_post(
    pilot_id: PilotIdPath, body: TimelinePostCreate, scope: ScopeDep, response: Response
) -> TimelinePostPublic:
    """A dated progress post with links, by the pilot's team: its owner, its champions (enrolled in
    this pilot), the project manager or an admin. ``Location`` names the new post."""
    post = service.to_public(scope, await service.create(scope, pilot_id, body))
    response.headers["Location"] = post.href
    return post


@router.get(
    "/pilots/{pilot_id}/timeline", response_model=Page[TimelinePostPublic], summary="List a pilot's timeline"
)
async def list_posts(pilot_id: PilotIdPath, scope: ScopeDep, page: PageDep) -> Page[TimelinePostPublic]:
    """Newest first. Steering sees dates only (the text, links and author are personal)."""
    pilot = await repository.get(scope, pilot_id)
    rows, total = await service.list_for(scope, pilot, offset=page.offset, limit=page.limit + 1)
    return offset_page([redact_for(scope.principal, service.to_public(scope, r)) for r in rows], page, total)


@router.get(
    "/pilots/{pilot_id}/timeline/{post_id}", response_model=TimelinePostPublic, summary="Read a timeline post"
)
async def read_post(pilot_id: PilotIdPath, post_id: ChildIdPath, scope: ScopeDep) -> TimelinePostPublic:
    """One progress post of the pilot."""
    pilot = await repository.get(scope, pilot_id)
    return redact_for(scope.principal, service.to_public(scope, await service.get(scope, pilot, post_id)))
