"""Every bad input of the issue: a precise problem document and nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.pilots.helpers import PROJECT, add_indicator, create_pilot, etag_of

Auth = Callable[..., dict[str, str]]


async def _pilot_count(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return int((await client.get(f"/projects/{PROJECT}/pilots", headers=headers)).json()["total"])


@pytest.mark.parametrize(
    ("fields", "name", "reason"),
    [
        (
            {"sectors": ["konsernipalvelut", "no-such-sector"]},
            "body.sectors.1",
            "unknown sector 'no-such-sector'",
        ),
        (
            {"start_date": "2019-12-31"},
            "body.start_date",
            "outside the project period 2020-01-01..2022-12-31",
        ),
        ({"end_date": "2023-01-01"}, "body.end_date", "outside the project period"),
        ({"start_date": "2021-05-01", "end_date": "2021-04-30"}, "body.end_date", "before the start"),
        ({"success_rating": 11}, "body.success_rating", "less than or equal to 10"),
        ({"success_rating": 0}, "body.success_rating", "greater than or equal to 1"),
        ({"traffic_lights": {"impact": "blue"}}, "body.traffic_lights.impact", "'red', 'yellow' or 'green'"),
        ({"customers_involved": -1}, "body.customers_involved", "greater than or equal to 0"),
        ({"colour": "red"}, "body.colour", "Extra inputs are not permitted"),
    ],
)
async def test_bad_pilot_input(
    client: httpx.AsyncClient, auth: Auth, fields: dict[str, Any], name: str, reason: str
) -> None:
    pm = auth("project_manager")
    response = await client.post(f"/projects/{PROJECT}/pilots", json={"title": "Bad", **fields}, headers=pm)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error = next(e for e in response.json()["errors"] if e["name"] == name)
    assert reason in error["reason"]
    assert await _pilot_count(client, pm) == 0


async def test_bad_patch_changes_nothing(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Stable", start_date="2021-01-01", sectors=["konsernipalvelut"])
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    bad = await client.patch(
        f"/pilots/{pilot['id']}",
        json={"title": "Renamed", "end_date": "2020-12-31", "sectors": ["konsernipalvelut", "nope"]},
        headers={**pm, **etag_of(read)},
    )
    assert bad.status_code == 422
    assert {e["name"] for e in bad.json()["errors"]} == {"body.end_date", "body.sectors.1"}
    after = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    assert after.json()["title"] == "Stable" and after.headers["ETag"] == '"v1"'
    assert [s["code"] for s in after.json()["sectors"]] == ["konsernipalvelut"]


async def test_unknown_project_and_pilot(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    assert (await client.post("/projects/S99999/pilots", json={"title": "x"}, headers=pm)).status_code == 404
    assert (await client.get("/projects/S99999/portfolio", headers=pm)).status_code == 404
    missing = await client.get("/pilots/nope", headers=pm)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/pilot-not-found")


async def test_measurement_for_another_pilots_indicator(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    a = await create_pilot(client, pm, "A")
    b = await create_pilot(client, pm, "B")
    ind_b = await add_indicator(client, pm, b["id"])
    response = await client.post(
        f"/pilots/{a['id']}/measurements",
        json={"indicator_id": ind_b["id"], "measured_on": "2021-01-31", "value": 10},
        headers=pm,
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/indicator-of-another-pilot")
    assert response.json()["errors"][0]["name"] == "body.indicator_id"
    assert (await client.get(f"/pilots/{b['id']}/measurements", headers=pm)).json()["total"] == 0


async def test_numbers_stay_numbers(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Numbers")
    ind = await add_indicator(client, pm, pilot["id"])
    url = f"/pilots/{pilot['id']}/measurements"
    bad = await client.post(
        url, json={"indicator_id": ind["id"], "measured_on": "2021-01-31", "value": "a lot"}, headers=pm
    )
    assert bad.status_code == 422 and bad.json()["type"].endswith("/not-a-number")
    ok = await client.post(
        url,
        json={
            "indicator_id": ind["id"],
            "measured_on": "2021-01-31",
            "value": "12,5",
            "narrative": "after the holidays",
        },
        headers=pm,
    )
    assert ok.status_code == 201 and ok.json()["value"] == 12.5
    text = await add_indicator(
        client,
        pm,
        pilot["id"],
        name="Mood",
        unit="words",
        numeric=False,
        baseline="tired",
        target="energetic",
    )
    ok_text = await client.post(
        url, json={"indicator_id": text["id"], "measured_on": "2021-02-01", "value": "curious"}, headers=pm
    )
    assert ok_text.status_code == 201 and ok_text.json()["value"] == "curious"
    bad_target = await client.post(
        f"/pilots/{pilot['id']}/indicators",
        json={"kind": "impact", "name": "x", "unit": "%", "baseline": "ten", "target": 20},
        headers=pm,
    )
    assert bad_target.status_code == 422 and bad_target.json()["errors"][0]["name"] == "body.baseline"


async def test_indicator_rules(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Indicators")
    base = f"/pilots/{pilot['id']}/indicators"
    wrong_side = await client.post(
        base,
        json={
            "kind": "impact",
            "name": "x",
            "unit": "%",
            "direction": "higher",
            "baseline": 50,
            "target": 40,
        },
        headers=pm,
    )
    assert wrong_side.status_code == 422 and wrong_side.json()["errors"][0]["name"] == "body.target"
    unknown = await client.post(base, json={"kind": "happiness", "name": "x", "unit": "%"}, headers=pm)
    assert unknown.status_code == 422 and "unknown indicator kind" in unknown.json()["detail"]
    ind = await add_indicator(client, pm, pilot["id"])
    assert (await client.patch(f"{base}/{ind['id']}", json={"unit": "hours"}, headers=pm)).status_code == 200
    await client.post(
        f"/pilots/{pilot['id']}/measurements",
        json={"indicator_id": ind["id"], "measured_on": "2021-01-31", "value": 300},
        headers=pm,
    )
    locked = await client.patch(f"{base}/{ind['id']}", json={"unit": "days"}, headers=pm)
    assert locked.status_code == 409 and locked.json()["fields"] == ["unit"]
    assert (await client.get(f"{base}/{ind['id']}", headers=pm)).json()["locked"] is True


async def test_establishment_bad_input(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Source")
    url = f"/projects/{PROJECT}/establishments"
    body = {"practice": "P", "anchor_kind": "body", "anchor_name": "Board", "pilot_ids": [pilot["id"]]}
    no_decision = await client.post(url, json={**body, "status": "decided"}, headers=pm)
    assert no_decision.status_code == 422 and no_decision.json()["type"].endswith("/decision-missing")
    unknown = await client.post(url, json={**body, "pilot_ids": [pilot["id"], "nope"]}, headers=pm)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["name"] == "body.pilot_ids.1"
    assert (await client.post(url, json={**body, "anchor_kind": "rumour"}, headers=pm)).status_code == 422
    created = await client.post(url, json=body, headers=pm)
    rid = created.json()["id"]
    decided = await client.patch(
        f"/establishments/{rid}",
        json={
            "status": "decided",
            "decision_date": "2022-05-10",
            "decision_reference": "Kaupunginhallitus § 81/2022",
        },
        headers={**pm, **etag_of(created)},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    back = await client.patch(
        f"/establishments/{rid}", json={"status": "proposed"}, headers={**pm, **etag_of(decided)}
    )
    assert back.status_code == 409
    stale = await client.patch(
        f"/establishments/{rid}", json={"status": "in_use"}, headers={**pm, **etag_of(created)}
    )
    assert stale.status_code == 412
    listed = (await client.get(url, headers=auth("steering"))).json()["items"]
    assert [(r["status"], r["pilot_ids"]) for r in listed] == [("decided", [pilot["id"]])]


async def test_delete_measurement_unlocks_the_unit(client: httpx.AsyncClient, auth: Auth) -> None:
    owner = auth("pilot_owner", subject="o-1")
    pilot = await create_pilot(client, owner, "Oops")
    ind = await add_indicator(client, owner, pilot["id"])
    m = await client.post(
        f"/pilots/{pilot['id']}/measurements",
        json={"indicator_id": ind["id"], "measured_on": "2021-01-31", "value": 300},
        headers=owner,
    )
    url = f"/pilots/{pilot['id']}/measurements/{m.json()['id']}"
    assert (await client.delete(url, headers=auth("pilot_owner", subject="o-2"))).status_code == 403
    assert (await client.delete(url, headers=owner)).status_code == 204
    assert (await client.delete(url, headers=owner)).status_code == 404
    unit = await client.patch(
        f"/pilots/{pilot['id']}/indicators/{ind['id']}", json={"unit": "hours"}, headers=owner
    )
    assert unit.status_code == 200 and unit.json()["locked"] is False
    trail = (
        await client.get("/audit", headers=auth("auditor"), params={"entity_type": "measurement"})
    ).json()
    assert [e["action"] for e in trail["items"]] == ["create", "delete"]
    mine = await client.get(f"/projects/{PROJECT}/pilots", params={"owner_id": "o-1"}, headers=owner)
    assert [p["title"] for p in mine.json()["items"]] == ["Oops"]
    assert (
        await client.get(f"/projects/{PROJECT}/pilots", params={"owner_id": "o-2"}, headers=owner)
    ).json()["total"] == 0
