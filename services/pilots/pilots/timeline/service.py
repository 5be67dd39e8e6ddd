"""Timeline posts: written by the pilot's team, read by whoever may read the pilot."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, func, select

from hanke_libs.links import public_url
from hanke_libs.problems import InvalidParam, NotFound, UnprocessableContent
from pilots.models import TimelinePost, audit
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
from pilots.timeline.schemas import TimelinePostCreate, TimelinePostPublic


async def create(scope: Scope, pilot_id: str, data: TimelinePostCreate) -> TimelinePost:
    """A post by the pilot's team: its owner, its champions, the project manager or an admin."""
    pilot = await repository.get_for_team(scope, pilot_id, what="post to its timeline")
    posted_on = data.posted_on or dt.date.today()
    if posted_on > dt.date.today():
        raise UnprocessableContent(
            f"posted_on {posted_on} is in the future.",
            errors=[InvalidParam(name="body.posted_on", reason="in the future")],
        )
    post = TimelinePost(
        pilot_id=pilot.id, author_id=scope.person_id, posted_on=posted_on, text=data.text, links=data.links
    )
    scope.session.add(post)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="timeline_post",
        entity_id=post.id,
        changes={"pilot_id": pilot.id, "posted_on": post.posted_on, "text": post.text, "links": post.links},
    )
    return post


async def list_for(
    scope: Scope, pilot: ScopedPilot, *, offset: int, limit: int
) -> tuple[list[TimelinePost], int]:
    where = TimelinePost.pilot_id == pilot.id
    total = int((await scope.session.exec(select(func.count()).select_from(TimelinePost).where(where))).one())
    rows = (
        await scope.session.exec(
            select(TimelinePost)
            .where(where)
            .order_by(
                col(TimelinePost.posted_on).desc(), col(TimelinePost.created_at).desc(), col(TimelinePost.id)
            )
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return list(rows), total


async def all_for(scope: Scope, pilot: ScopedPilot) -> list[TimelinePost]:
    rows = await scope.session.exec(
        select(TimelinePost)
        .where(TimelinePost.pilot_id == pilot.id)
        .order_by(col(TimelinePost.posted_on), col(TimelinePost.created_at), col(TimelinePost.id))
    )
    return list(rows.all())


async def get(scope: Scope, pilot: ScopedPilot, post_id: str) -> TimelinePost:
    post = await scope.session.get(TimelinePost, post_id)
    if post is None or post.pilot_id != pilot.id:
        raise NotFound(f"Pilot {pilot.id} has no timeline post {post_id!r}.", slug="timeline-post-not-found")
    return post


def to_public(scope: Scope, post: TimelinePost) -> TimelinePostPublic:
    return TimelinePostPublic(
        id=post.id,
        pilot_id=post.pilot_id,
        author_id=post.author_id,
        posted_on=post.posted_on,
        text=post.text,
        links=post.links,
        created_at=post.created_at,
        href=public_url(scope.settings, f"/pilots/{post.pilot_id}/timeline/{post.id}"),
    )
