"""Access per role on the pilots service's own routes: owners, readers, finance, ETag / If-Match,
the audit trail, the small-sample rule, owner ids checked with participants."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.pilots.helpers import OWNER, PROJECT, add_indicator, approved_pilot, create_pilot, etag_of, move
from tests.pilots.participants_stub import ParticipantsStub

Auth = Callable[..., dict[str, str]]


async def test_owner_edits_own_pilot_only(client: httpx.AsyncClient, auth: Auth) -> None:
    owner = auth("pilot_owner", subject=OWNER)
    other = auth("pilot_owner", subject="someone-else")
    pilot = await create_pilot(client, owner, "Mine")
    pid = pilot["id"]
    mine = await create_pilot(client, other, "Theirs")
    read = await client.get(f"/pilots/{pid}", headers=other)
    assert read.status_code == 200  # owners read each other's pilots
    refused = await client.patch(f"/pilots/{pid}", json={"need": "x"}, headers={**other, **etag_of(read)})
    assert refused.status_code == 403 and refused.json()["type"].endswith("/not-pilot-owner")
    ind = await add_indicator(client, owner, pid)
    measured = await client.post(
        f"/pilots/{pid}/measurements",
        json={"indicator_id": ind["id"], "measured_on": "2021-02-01", "value": 12},
        headers=owner,
    )
    wrong_owner = [
        await move(client, other, pid, "discontinued", reason="not mine"),
        await move(client, other, pid, "planned"),
        await client.post(
            f"/pilots/{pid}/indicators", json={"kind": "impact", "name": "n", "unit": "u"}, headers=other
        ),
        await client.patch(f"/pilots/{pid}/indicators/{ind['id']}", json={"name": "n"}, headers=other),
        await client.post(
            f"/pilots/{pid}/measurements",
            json={"indicator_id": ind["id"], "measured_on": "2021-02-01", "value": 1},
            headers=other,
        ),
        await client.delete(f"/pilots/{pid}/measurements/{measured.json()['id']}", headers=other),
        await client.post(
            f"/pilots/{pid}/measurements/import",
            files={"file": ("m.csv", b"external_id;value\n")},
            headers=other,
        ),
        await client.post(f"/pilots/{pid}/timeline", json={"text": "not my pilot"}, headers=other),
        await client.post(
            f"/projects/{PROJECT}/establishments",
            json={
                "practice": "x",
                "anchor_kind": "guideline",
                "anchor_name": "y",
                "pilot_ids": [pid, mine["id"]],
            },
            headers=other,
        ),
    ]
    assert [r.status_code for r in wrong_owner] == [403] * len(wrong_owner), [r.text for r in wrong_owner]
    for_other = await client.post(
        f"/projects/{PROJECT}/pilots", json={"title": "x", "owner_id": "someone-else"}, headers=owner
    )
    assert for_other.status_code == 403
    handed = await client.patch(
        f"/pilots/{pid}", json={"owner_id": "someone-else"}, headers={**owner, **etag_of(read)}
    )
    assert handed.status_code == 403
    pm = auth("project_manager")
    read = await client.get(f"/pilots/{pid}", headers=pm)
    assert (
        await client.patch(
            f"/pilots/{pid}", json={"owner_id": "someone-else"}, headers={**pm, **etag_of(read)}
        )
    ).status_code == 200


async def test_owner_id_is_checked_with_participants(
    client: httpx.AsyncClient, auth: Auth, participants: ParticipantsStub
) -> None:
    pm = auth("project_manager")
    participants.unknown.add("no-such-person")
    participants.inactive.add("left-the-city")
    unknown = await client.post(
        f"/projects/{PROJECT}/pilots", json={"title": "x", "owner_id": "no-such-person"}, headers=pm
    )
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("/unknown-person")
    assert unknown.json()["errors"] == [{"name": "body.owner_id", "reason": "no person 'no-such-person'"}]
    inactive = await client.post(
        f"/projects/{PROJECT}/pilots", json={"title": "x", "owner_id": "left-the-city"}, headers=pm
    )
    assert inactive.status_code == 422 and inactive.json()["errors"][0]["name"] == "body.owner_id"
    pilot = await create_pilot(client, pm, "Checked", owner_id=OWNER)
    assert "/people/person-owner-1/reference" in participants.calls
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    handed = await client.patch(
        f"/pilots/{pilot['id']}", json={"owner_id": "no-such-person"}, headers={**pm, **etag_of(read)}
    )
    assert handed.status_code == 422 and "no-such-person" in handed.json()["detail"]
    assert (await client.get(f"/pilots/{pilot['id']}", headers=pm)).json()["owner_id"] == OWNER
    participants.down = True
    down = await client.post(
        f"/projects/{PROJECT}/pilots", json={"title": "y", "owner_id": "brand-new"}, headers=pm
    )
    assert down.status_code == 503 and down.json()["type"].endswith("/peer-unavailable")


@pytest.mark.parametrize("role", ["steering", "auditor", "admin", "project_manager", "pilot_owner"])
async def test_readers_of_every_pilot(client: httpx.AsyncClient, auth: Auth, role: str) -> None:
    pilot = await create_pilot(client, auth("project_manager"), "Readable")
    headers = auth(role)
    for url in (
        f"/pilots/{pilot['id']}",
        f"/projects/{PROJECT}/portfolio",
        f"/projects/{PROJECT}/pilots",
        f"/pilots/{pilot['id']}/indicators",
        f"/pilots/{pilot['id']}/next-gate",
        f"/pilots/{pilot['id']}/reflections",
        f"/pilots/{pilot['id']}/decisions",
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
    assert (await move(client, headers, pilot["id"], "planned")).status_code == 403


async def test_finance_reads_titles_only(client: httpx.AsyncClient, auth: Auth) -> None:
    """Finance books costs to pilots: it reads their ids, titles and project, nothing else."""
    pilot = await create_pilot(client, auth("project_manager"), "Bookable", need="secret need")
    finance = auth("finance", implementer="0171450-7")
    titles = await client.get(f"/projects/{PROJECT}/pilot-titles", headers=finance)
    assert titles.status_code == 200
    assert titles.json()["items"] == [{"id": pilot["id"], "title": "Bookable", "project_code": PROJECT}]
    assert (await client.get("/projects", headers=finance)).status_code == 200
    for url in (
        f"/pilots/{pilot['id']}",
        f"/projects/{PROJECT}/pilots",
        f"/projects/{PROJECT}/portfolio",
        f"/pilots/{pilot['id']}/export",
    ):
        refused = await client.get(url, headers=finance)
        assert refused.status_code == 403, url
    assert "pilot-titles" in (await client.get(f"/pilots/{pilot['id']}", headers=finance)).json()["detail"]
    for role in ("hr_sync",):
        assert (await client.get(f"/projects/{PROJECT}/pilot-titles", headers=auth(role))).status_code == 403
        assert (await client.get(f"/pilots/{pilot['id']}", headers=auth(role))).status_code == 403
    assert (await client.get(f"/pilots/{pilot['id']}")).status_code == 401


async def test_etag_and_if_match(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Versioned")
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    assert read.headers["ETag"] == '"v1"'
    missing = await client.patch(f"/pilots/{pilot['id']}", json={"need": "a"}, headers=pm)
    assert missing.status_code == 428
    first = await client.patch(f"/pilots/{pilot['id']}", json={"need": "a"}, headers={**pm, **etag_of(read)})
    assert first.status_code == 200 and first.headers["ETag"] == '"v2"'
    stale = await client.patch(f"/pilots/{pilot['id']}", json={"need": "b"}, headers={**pm, **etag_of(read)})
    assert stale.status_code == 412 and stale.json()["current_etag"] == '"v2"'
    assert (await client.get(f"/pilots/{pilot['id']}", headers=pm)).json()["need"] == "a"
    weak = await client.patch(
        f"/pilots/{pilot['id']}", json={"need": "c"}, headers={**pm, "If-Match": 'W/"v2"'}
    )
    assert weak.status_code == 412  # weak tags never match (strong comparison)
    stale_move = await client.post(
        f"/pilots/{pilot['id']}/moves", json={"to": "planned"}, headers={**pm, "If-Match": '"v1"'}
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
    client: httpx.AsyncClient, auth: Auth, participants: ParticipantsStub
) -> None:
    owner = auth("pilot_owner", subject=OWNER)
    pilot = await create_pilot(client, owner, "Survey")
    participants.enrol("champ-1", pilot["id"])
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
    small_id = None
    for day, value, n in (("2021-03-01", 4.4, 25), ("2021-06-01", 4.9, 6)):
        r = await client.post(
            url,
            json={"indicator_id": ind["id"], "measured_on": day, "value": value, "respondents": n},
            headers=owner,
        )
        assert r.status_code == 201
        small_id = r.json()["id"]
    for headers, latest, hidden in (
        (owner, 4.9, 0),
        (auth("project_manager"), 4.9, 0),
        (auth("admin"), 4.9, 0),
        (auth("champion", subject="champ-1"), 4.4, 1),
        (auth("steering"), 4.4, 1),
        (auth("pilot_owner", subject="another-owner"), 4.4, 1),
    ):
        got = (await client.get(f"/pilots/{pilot['id']}/indicators", headers=headers)).json()
        item = got["items"][0]
        assert (item["latest"]["value"], item["hidden_measurements"]) == (latest, hidden)
        assert "fewer than 10" in got["small_sample_rule"]
        listed = (await client.get(url, headers=headers)).json()
        assert listed["total"] == 2 - hidden
        one = await client.get(f"{url}/{small_id}", headers=headers)
        assert one.status_code == (404 if hidden else 200)
    steering = (await client.get(f"/pilots/{pilot['id']}", headers=auth("steering"))).json()
    assert steering["indicators"][0]["progress_percent"] == 25.0  # (4.4 - 4.2) / (5 - 4.2)
    assert steering["indicators"][0]["traffic_light"] == "yellow"
    assert "green from 75" in steering["traffic_light_rule"]


async def test_creates_answer_201_with_a_location_that_resolves(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    pm = auth("project_manager")
    created = await client.post(f"/projects/{PROJECT}/pilots", json={"title": "Located"}, headers=pm)
    pid = created.json()["id"]
    ind = await client.post(
        f"/pilots/{pid}/indicators", json={"kind": "impact", "name": "n", "unit": "u"}, headers=pm
    )
    m = await client.post(
        f"/pilots/{pid}/measurements",
        json={"indicator_id": ind.json()["id"], "measured_on": "2021-01-05", "value": 3},
        headers=pm,
    )
    post = await client.post(f"/pilots/{pid}/timeline", json={"text": "hello"}, headers=pm)
    for response in (created, ind, m, post):
        assert response.status_code == 201
        location = response.headers["location"]
        assert location.startswith("/api/v1/pilots/") and location == response.json()["href"]
        again = await client.get(location.removeprefix("/api/v1/pilots"), headers=pm)
        assert again.status_code == 200 and again.json()["id"] == response.json()["id"]


async def test_approved_pilot_helper_is_manager_only(client: httpx.AsyncClient, auth: Auth) -> None:
    pilot = await approved_pilot(client, auth("project_manager"), "Approved by the project", owner_id=OWNER)
    history = (await client.get(f"/pilots/{pilot['id']}/history", headers=auth("auditor"))).json()["items"]
    assert history[-1]["to_stage"] == "approved" and history[-1]["decision_id"]
