"""My page (oma sivu) of a champion: my pilots, my coaching, my assessments."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from gateway.views.common import Fanout, ViewBase, ids_in
from hanke_libs.auth import CurrentPrincipal

router = APIRouter()
MAX_PILOTS = 50


class MyPage(ViewBase):
    """The caller's own champion data and the pilots they take part in."""

    me: dict[str, Any] | None = Field(
        default=None,
        description="My champion enrolments, coaching and assessments (participants: GET /api/v1/participants/me)",
    )
    pilots: list[dict[str, Any]] = Field(
        default_factory=list, description="My pilots (pilots: GET /api/v1/pilots/pilots/{id} each)"
    )


@router.get("/me", response_model=MyPage, summary="My page: my pilots, coaching and assessments")
async def my_page(request: Request, principal: CurrentPrincipal) -> JSONResponse:
    """My participant data first, then each of my pilots concurrently."""
    fan = Fanout(request, principal)
    me = await fan.get("me", "participants", "/me")
    pilot_ids = ids_in(me)[:MAX_PILOTS]
    pilots = await fan.gather(
        *(fan.get(f"pilot:{pid}", "pilots", f"/pilots/{quote(pid, safe='')}") for pid in pilot_ids)
    )
    return fan.respond({"me": me, "pilots": [p for p in pilots if isinstance(p, dict)]})
