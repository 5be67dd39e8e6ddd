"""Champions reach only the pilots they are enrolled in (participants' /me/enrolments, cached for
seconds): issue 9's defect, where a champion of Y posted to X and read ten endpoints of X."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from hanke_libs.db import standalone_database
from hanke_libs.testing import running
from pilots.config import Settings
from pilots.main import create_app
from pilots.seed import seed_reference
from tests.pilots.conftest import wire
from tests.pilots.helpers import OWNER, PROJECT, add_indicator, create_pilot
from tests.pilots.participants_stub import ParticipantsStub

Auth = Callable[..., dict[str, str]]


async def _two_pilots(
    client: httpx.AsyncClient, auth: Auth
) -> tuple[dict[str, str], dict[str, str], str, str]:
    owner = auth("pilot_owner", subject=OWNER)
    x = await create_pilot(client, owner, "Pilot X")
    y = await create_pilot(client, owner, "Pilot Y")
    ind = await add_indicator(client, owner, x["id"])
    m = await client.post(
        f"/pilots/{x['id']}/measurements",
        json={"indicator_id": ind["id"], "measured_on": "2021-02-01", "value": 12},
        headers=owner,
    )
    post = await client.post(f"/pilots/{x['id']}/timeline", json={"text": "X started"}, headers=owner)
    return x, y, ind["id"], f"{m.json()['id']}|{post.json()['id']}"


def _x_reads(x: str, ind: str, measurement: str, post: str) -> list[str]:
    return [
        f"/pilots/{x}",
        f"/pilots/{x}/indicators",
        f"/pilots/{x}/indicators/{ind}",
        f"/pilots/{x}/measurements",
        f"/pilots/{x}/measurements/{measurement}",
        f"/pilots/{x}/measurements/export",
        f"/pilots/{x}/next-gate",
        f"/pilots/{x}/history",
        f"/pilots/{x}/frozen-changes",
        f"/pilots/{x}/timeline",
        f"/pilots/{x}/timeline/{post}",
        f"/pilots/{x}/export",
        f"/pilots/{x}/reflections",
        f"/pilots/{x}/decisions",
    ]


async def test_champion_of_y_reaches_nothing_of_x(
    client: httpx.AsyncClient, auth: Auth, participants: ParticipantsStub
) -> None:
    x, y, ind, ids = await _two_pilots(client, auth)
    measurement, post = ids.split("|")
    participants.enrol("champ-y", y["id"])
    champion = auth("champion", subject="champ-y")
    written = await client.post(
        f"/pilots/{x['id']}/timeline", json={"text": "not my pilot"}, headers=champion
    )
    assert written.status_code == 403 and written.json()["type"].endswith("/not-pilot-member")
    for url in _x_reads(x["id"], ind, measurement, post):
        refused = await client.get(url, headers=champion)
        assert refused.status_code == 403, url
        assert "not a champion of pilot" in refused.json()["detail"]
    # the champion's own pilot works: read, post, reflect
    assert (await client.get(f"/pilots/{y['id']}", headers=champion)).status_code == 200
    own = await client.post(f"/pilots/{y['id']}/timeline", json={"text": "Y workshop"}, headers=champion)
    assert own.status_code == 201 and own.json()["author_id"] == "champ-y"
    listed = (await client.get(f"/projects/{PROJECT}/pilots", headers=champion)).json()
    assert [p["id"] for p in listed["items"]] == [y["id"]] and listed["total"] == 1
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=champion)).json()
    assert [p["id"] for p in portfolio["pilots"]] == [y["id"]] and portfolio["by_stage"]["idea"] == 2
    assert (await client.get(f"/projects/{PROJECT}/pilot-titles", headers=champion)).json()["total"] == 1
    # not enrolled anywhere: nothing
    nobody = auth("champion", subject="champ-none")
    assert (await client.get(f"/pilots/{y['id']}", headers=nobody)).status_code == 403
    assert (await client.get(f"/projects/{PROJECT}/pilots", headers=nobody)).json()["items"] == []


async def test_relation_and_my_pilots(
    client: httpx.AsyncClient, auth: Auth, participants: ParticipantsStub
) -> None:
    x, y, _, _ = await _two_pilots(client, auth)
    participants.enrol("champ-y", y["id"])
    champion = auth("champion", subject="champ-y")
    owner = auth("pilot_owner", subject=OWNER)
    rel = (await client.get(f"/pilots/{y['id']}/relation", headers=champion)).json()
    assert rel == {
        "pilot_id": y["id"],
        "project_code": PROJECT,
        "stage": "idea",
        "is_owner": False,
        "is_champion": True,
        "may_read": True,
        "may_edit": False,
    }
    rel_x = (await client.get(f"/pilots/{x['id']}/relation", headers=champion)).json()
    assert (rel_x["is_champion"], rel_x["may_read"]) == (False, False)
    mine = (await client.get(f"/pilots/{x['id']}/relation", headers=owner)).json()
    assert (mine["is_owner"], mine["may_edit"], mine["may_read"]) == (True, True, True)
    other_owner = (
        await client.get(f"/pilots/{x['id']}/relation", headers=auth("pilot_owner", subject="o2"))
    ).json()
    assert (other_owner["is_owner"], other_owner["may_edit"], other_owner["may_read"]) == (False, False, True)
    hr = await client.get(f"/pilots/{x['id']}/relation", headers=auth("hr_sync"))
    assert hr.status_code == 200 and hr.json()["may_read"] is False
    assert (await client.get("/pilots/nope/relation", headers=owner)).status_code == 404
    my = (await client.get("/me/pilots", headers=owner)).json()
    assert {(p["id"], p["relation"]) for p in my["items"]} == {(x["id"], "owner"), (y["id"], "owner")}
    followed = (await client.get("/me/pilots", headers=champion)).json()
    assert [(p["id"], p["relation"]) for p in followed["items"]] == [(y["id"], "champion")]
    assert (await client.get("/me/pilots", headers=auth("steering"))).json()["items"] == []


async def test_ended_enrolment_stops_access_within_the_cache_time(
    settings: Settings, auth: Auth, participants: ParticipantsStub
) -> None:
    cache = 0.5
    settings = settings.model_copy(update={"peer_cache_seconds": cache})
    async with standalone_database(settings.resolved_database_url()) as db:
        await seed_reference(db)
    app = create_app(settings)
    wire(app, participants, cache)
    async with running(app) as client:
        pilot = await create_pilot(client, auth("project_manager"), "Followed")
        participants.enrol("champ-1", pilot["id"])
        champion = auth("champion", subject="champ-1")
        assert (await client.get(f"/pilots/{pilot['id']}", headers=champion)).status_code == 200
        calls = participants.calls.count("/me/enrolments")
        assert (await client.get(f"/pilots/{pilot['id']}", headers=champion)).status_code == 200
        assert participants.calls.count("/me/enrolments") == calls  # answered from the cache
        participants.end("champ-1", pilot["id"])
        await asyncio.sleep(cache + 0.1)
        assert (await client.get(f"/pilots/{pilot['id']}", headers=champion)).status_code == 403
        assert (
            await client.post(f"/pilots/{pilot['id']}/timeline", json={"text": "x"}, headers=champion)
        ).status_code == 403
    for peer in app.state.peers.values() if app.state.peers else []:
        await peer.aclose()


async def test_participants_down_fails_champions_closed_only(
    client: httpx.AsyncClient, auth: Auth, participants: ParticipantsStub
) -> None:
    pilot = await create_pilot(client, auth("project_manager"), "Resilient")
    participants.down = True
    down = await client.get(f"/pilots/{pilot['id']}", headers=auth("champion", subject="champ-9"))
    assert down.status_code == 503 and down.json()["type"].endswith("/peer-unavailable")
    assert (await client.get(f"/pilots/{pilot['id']}", headers=auth("steering"))).status_code == 200
    assert (
        await client.get(f"/pilots/{pilot['id']}", headers=auth("pilot_owner", subject=OWNER))
    ).status_code == 200
