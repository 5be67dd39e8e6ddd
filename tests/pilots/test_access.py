"""Access per role, ETag / If-Match, the audit trail and the small-sample rule."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.pilots.helpers import OWNER, PROJECT, add_indicator, create_pilot, etag_of

Auth = Callable[..., dict[str, str]]


async def test_owner_edits_own_pilot_only(client: httpx.AsyncClient, auth: Auth) -> None:
    owner = auth("pilot_owner", subject=OWNER)
    other = auth("pilot_owner", subject="someone-else")
    pilot = await create_pilot(client, owner, "Mine")
    read = await client.get(f"/pilots/{pilot['id']}", headers=other)
    assert read.status_code == 200
    refused = await client.patch(
        f"/pilots/{pilot['id']}", json={"need": "x"}, headers={**other, **etag_of(read)}
    )
    assert refused.status_code == 403
    assert (
        await client.post(
            f"/pilots/{pilot['id']}/moves", json={"to": "discontinued", "reason": "not mine"}, headers=other
        )
    ).status_code == 403
    for_other = await client.post(
        f"/projects/{PROJECT}/pilots", json={"title": "x", "owner_id": "someone-else"}, headers=owner
    )
    assert for_other.status_code == 403
    handed = await client.patch(
        f"/pilots/{pilot['id']}", json={"owner_id": "someone-else"}, headers={**owner, **etag_of(read)}
    )
    assert handed.status_code == 403
    pm = auth("project_manager")
    assert (
        await client.patch(
            f"/pilots/{pilot['id']}", json={"owner_id": "someone-else"}, headers={**pm, **etag_of(read)}
        )
    ).status_code == 200


@pytest.mark.parametrize(
    "role", ["champion", "steering", "auditor", "admin", "project_manager", "pilot_owner"]
)
async def test_readers(client: httpx.AsyncClient, auth: Auth, role: str) -> None:
    pilot = await create_pilot(client, auth("project_manager"), "Readable")
    headers = auth(role)
    for url in (
        f"/pilots/{pilot['id']}",
        f"/projects/{PROJECT}/portfolio",
        f"/projects/{PROJECT}/pilots",
        f"/pilots/{pilot['id']}/indicators",
        f"/pilots/{pilot['id']}/next-gate",
    ):
        assert (await client.get(url, headers=headers)).status_code == 200, url


@pytest.mark.parametrize("role", ["champion", "steering", "auditor", "finance", "hr_sync"])
async def test_non_editors_cannot_write(client: httpx.AsyncClient, auth: Auth, role: str) -> None:
    pilot = await create_pilot(client, auth("project_manager"), "Guarded")
    headers = auth(role)
    read = await client.get(f"/pilots/{pilot['id']}", headers=auth("admin"))
    assert (
        await client.post(f"/projects/{PROJECT}/pilots", json={"title": "x"}, headers=headers)
    ).status_code == 403
    assert (
        await client.patch(f"/pilots/{pilot['id']}", json={"need": "x"}, headers={**headers, **etag_of(read)})
    ).status_code == 403
    assert (
        await client.post(
            f"/pilots/{pilot['id']}/indicators",
            json={"kind": "impact", "name": "n", "unit": "u"},
            headers=headers,
        )
    ).status_code == 403


async def test_finance_and_hr_sync_cannot_read(client: httpx.AsyncClient, auth: Auth) -> None:
    pilot = await create_pilot(client, auth("project_manager"), "Closed")
    for role in ("finance", "hr_sync"):
        assert (await client.get(f"/pilots/{pilot['id']}", headers=auth(role))).status_code == 403
        assert (await client.get(f"/projects/{PROJECT}/portfolio", headers=auth(role))).status_code == 403
    assert (await client.get(f"/pilots/{pilot['id']}")).status_code == 401


async def test_champion_posts_to_timeline(client: httpx.AsyncClient, auth: Auth) -> None:
    pilot = await create_pilot(client, auth("pilot_owner", subject=OWNER), "Posted")
    post = await client.post(
        f"/pilots/{pilot['id']}/timeline",
        json={
            "posted_on": "2021-03-01",
            "text": "First workshop held.",
            "links": ["https://intra.kuopio.example/x"],
        },
        headers=auth("champion", subject="champ-1"),
    )
    assert post.status_code == 201 and post.json()["author_id"] == "champ-1"
    assert (
        await client.post(f"/pilots/{pilot['id']}/timeline", json={"text": "x"}, headers=auth("steering"))
    ).status_code == 403
    bad_link = await client.post(
        f"/pilots/{pilot['id']}/timeline",
        json={"text": "x", "links": ["javascript:x"]},
        headers=auth("champion"),
    )
    assert bad_link.status_code == 422
    listed = (await client.get(f"/pilots/{pilot['id']}/timeline", headers=auth("steering"))).json()
    assert [p["text"] for p in listed["items"]] == ["First workshop held."] and listed["total"] == 1


async def test_etag_and_if_match(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Versioned")
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    assert read.headers["ETag"] == '"1"'
    missing = await client.patch(f"/pilots/{pilot['id']}", json={"need": "a"}, headers=pm)
    assert missing.status_code == 428
    first = await client.patch(f"/pilots/{pilot['id']}", json={"need": "a"}, headers={**pm, **etag_of(read)})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = await client.patch(f"/pilots/{pilot['id']}", json={"need": "b"}, headers={**pm, **etag_of(read)})
    assert stale.status_code == 412 and stale.json()["current_etag"] == '"2"'
    assert (await client.get(f"/pilots/{pilot['id']}", headers=pm)).json()["need"] == "a"
    weak = await client.patch(
        f"/pilots/{pilot['id']}", json={"need": "c"}, headers={**pm, "If-Match": 'W/"2"'}
    )
    assert weak.status_code == 200
    stale_move = await client.post(
        f"/pilots/{pilot['id']}/moves", json={"to": "planned"}, headers={**pm, "If-Match": '"1"'}
    )
    assert stale_move.status_code == 412


async def test_every_write_is_audited(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager", subject="pm-7")
    pilot = await create_pilot(client, pm, "Audited")
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    await client.patch(f"/pilots/{pilot['id']}", json={"need": "n"}, headers={**pm, **etag_of(read)})
    await client.post(f"/pilots/{pilot['id']}/moves", json={"to": "planned"}, headers=pm)
    ind = await add_indicator(client, pm, pilot["id"])
    await client.post(
        f"/pilots/{pilot['id']}/measurements",
        json={"indicator_id": ind["id"], "measured_on": "2021-02-01", "value": 12},
        headers=pm,
    )
    await client.post(f"/pilots/{pilot['id']}/timeline", json={"text": "t"}, headers=pm)
    trail = (await client.get("/audit", headers=auth("auditor"))).json()["items"]
    assert [(e["entity_type"], e["action"]) for e in trail] == [
        ("pilot", "create"),
        ("pilot", "update"),
        ("pilot", "move"),
        ("indicator", "create"),
        ("measurement", "create"),
        ("timeline_post", "create"),
    ]
    assert all(e["actor"] == "pm-7" for e in trail)
    assert trail[1]["changes"] == {"need": [None, "n"]}


async def test_small_samples_hidden_from_all_but_owner_and_manager(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    owner = auth("pilot_owner", subject=OWNER)
    pilot = await create_pilot(client, owner, "Survey")
    ind = await add_indicator(
        client,
        owner,
        pilot["id"],
        kind="well_being_at_work",
        name="Work engagement",
        unit="1-7",
        direction="higher",
        baseline=4.2,
        target=5,
        survey_based=True,
    )
    url = f"/pilots/{pilot['id']}/measurements"
    no_n = await client.post(
        url, json={"indicator_id": ind["id"], "measured_on": "2021-03-01", "value": 4.5}, headers=owner
    )
    assert no_n.status_code == 422 and no_n.json()["errors"][0]["name"] == "body.respondents"
    for day, value, n in (("2021-03-01", 4.4, 25), ("2021-06-01", 4.9, 6)):
        r = await client.post(
            url,
            json={"indicator_id": ind["id"], "measured_on": day, "value": value, "respondents": n},
            headers=owner,
        )
        assert r.status_code == 201
    for headers, latest, hidden in (
        (owner, 4.9, 0),
        (auth("project_manager"), 4.9, 0),
        (auth("admin"), 4.9, 0),
        (auth("champion"), 4.4, 1),
        (auth("steering"), 4.4, 1),
        (auth("pilot_owner", subject="another-owner"), 4.4, 1),
    ):
        got = (await client.get(f"/pilots/{pilot['id']}/indicators", headers=headers)).json()
        item = got["items"][0]
        assert (item["latest"]["value"], item["hidden_measurements"]) == (latest, hidden)
        assert "fewer than 10" in got["small_sample_rule"]
        listed = (await client.get(url, headers=headers)).json()
        assert listed["total"] == 2 - hidden
    steering = (await client.get(f"/pilots/{pilot['id']}", headers=auth("steering"))).json()
    assert steering["indicators"][0]["progress_percent"] == 25.0  # (4.4 - 4.2) / (5 - 4.2)
