"""My page (oma sivu): the pilots I own and the pilots I follow as a champion, my coaching and
my assessments."""

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
MAX_PROJECTS = 50


class MyPage(ViewBase):
    """The caller's own champion data and every pilot they own or take part in."""

    me: dict[str, Any] | None = Field(
        default=None,
        description="My person record, champion enrolments, coaching and assessments "
        "(participants: GET /api/v1/participants/me)",
    )
    pilots: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The pilots I own and those I follow as a champion, owned first, each once "
        "(pilots: GET /api/v1/pilots/pilots/{id}); `my_relation` says which I am: `owner`, `champion` or both",
    )
    owned_pilot_ids: list[str] = Field(
        default_factory=list, description="Ids of the pilots whose owner I am (pilots service)"
    )
    champion_pilot_ids: list[str] = Field(
        default_factory=list, description="Ids of the pilots I follow as a champion (participants service)"
    )


async def _owned_pilot_ids(fan: Fanout, owner_ids: list[str]) -> list[str]:
    """The pilots the caller owns, from the pilots service's list of each project's pilots
    filtered by owner (``GET /projects/{code}/pilots?owner_id=``)."""
    projects = await fan.get("projects", "pilots", "/projects", {"limit": "200"})
    items = projects.get("items", []) if isinstance(projects, dict) else []
    codes = [str(p["code"]) for p in items if isinstance(p, dict) and "code" in p]
    pages = await fan.gather(
        *(
            fan.get(
                f"owned:{code}:{owner}",
                "pilots",
                f"/projects/{quote(code, safe='')}/pilots",
                {"owner_id": owner, "limit": "200"},
            )
            for code in codes[:MAX_PROJECTS]
            for owner in owner_ids
        )
    )
    found = [
        str(item["id"])
        for page in pages
        if isinstance(page, dict)
        for item in page.get("items", [])
        if isinstance(item, dict) and "id" in item
    ]
    return list(dict.fromkeys(found))


@router.get(
    "/me",
    response_model=MyPage,
    summary="My page: my pilots, coaching and assessments",
    description="What the caller owns and follows, composed from the services as the caller: the "
    "pilots whose owner they are (pilots service, by the token's person id and the person id the "
    "participants service knows them by), the pilots they follow as a champion, and their coaching "
    "and assessments (participants service). A part whose service fails is listed in `missing`.",
)
async def my_page(request: Request, principal: CurrentPrincipal) -> JSONResponse:
    fan = Fanout(request, principal)
    try:
        me_task = fan.start("me", "participants", "/me")
        owned_task = fan.spawn(_owned_pilot_ids(fan, [principal.person_id]))
        me = await me_task
        owned = await owned_task
        person = me.get("person") if isinstance(me, dict) else None
        known_as = str(person.get("id")) if isinstance(person, dict) and person.get("id") else None
        if known_as and known_as != principal.person_id:
            owned += [p for p in await _owned_pilot_ids(fan, [known_as]) if p not in owned]
        followed = ids_in(me)
        pilot_ids = list(dict.fromkeys([*owned, *followed]))[:MAX_PILOTS]
        details = await fan.gather(
            *(fan.get(f"pilot:{pid}", "pilots", f"/pilots/{quote(pid, safe='')}") for pid in pilot_ids)
        )
    finally:
        fan.cancel()
    pilots = []
    for pid, detail in zip(pilot_ids, details, strict=True):
        if isinstance(detail, dict):
            relation = [r for r, ids in (("owner", owned), ("champion", followed)) if pid in ids]
            pilots.append({**detail, "my_relation": relation})
    return fan.respond({"me": me, "pilots": pilots, "owned_pilot_ids": owned, "champion_pilot_ids": followed})
