"""The subscription feed: a secret URL instead of a bearer token (calendar clients cannot send one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from hanke_libs.db import SessionDep
from reports.calendar import ics, service
from reports.routes.common import Lang

router = APIRouter(tags=["calendar"])
Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get(
    "/feeds/{token}/calendar.ics",
    summary="Subscribe: the calendar as iCalendar by its secret URL (no bearer token)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def feed(token: Token, session: SessionDep, lang: Lang = None) -> Response:
    """The reporting calendar as iCalendar by the secret subscription URL a calendar client holds;
    no bearer token."""
    calendar = await service.by_feed_token(session, token)
    body = ics.feed(calendar, await service.obligations(session, calendar.project_code), lang=lang or "fi")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=600", "Referrer-Policy": "no-referrer"},
    )
