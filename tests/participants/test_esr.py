"""ESR participant data: one per person and project, snapshots, sensitive flags, indicators by gender."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx

from tests.participants.helpers import make_people

Auth = Callable[..., dict[str, str]]
ENTRY = {"gender": "female", "age_group": "over_54", "labour_status": "employed", "isced": "5-8"}


def rows(text: str) -> dict[str, list[str]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    header = next(reader)
    assert header == ["project_code", "indicator", "female", "male", "other", "total"]
    return {r[1]: r[2:] for r in reader}


async def test_participation_lifecycle_and_indicators(client: httpx.AsyncClient, auth: Auth) -> None:
    people = await make_people(client, auth, {"HE": 3})
    a, b, c = people["HE"]
    pm = auth("project_manager")
    first = await client.post(
        "/esr/participations",
        headers=pm,
        json={"person_id": a, "project_code": "S21894", "entry_date": "2020-09-01", "entry": ENTRY},
    )
    assert first.status_code == 201, first.text
    assert first.json()["entry"]["isced"] == "5-8" and first.json()["exit"] is None
    again = await client.post(
        "/esr/participations",
        headers=pm,
        json={"person_id": a, "project_code": "S21894", "entry_date": "2020-10-01", "entry": ENTRY},
    )
    assert again.status_code == 409
    bad = await client.post(
        "/esr/participations",
        headers=pm,
        json={
            "person_id": b,
            "project_code": "S21894",
            "entry_date": "2020-10-01",
            "entry": {**ENTRY, "isced": "9"},
        },
    )
    assert bad.status_code == 422
    unknown = await client.post(
        "/esr/participations",
        headers=pm,
        json={"person_id": "x", "project_code": "S21894", "entry_date": "2020-10-01", "entry": ENTRY},
    )
    assert unknown.status_code == 422
    await client.post(
        "/esr/participations",
        headers=pm,
        json={
            "person_id": b,
            "project_code": "S21894",
            "entry_date": "2020-10-01",
            "entry": {
                "gender": "male",
                "age_group": "under_25",
                "labour_status": "unemployed",
                "isced": "3-4",
            },
        },
    )
    await client.post(
        "/esr/participations",
        headers=pm,
        json={"person_id": c, "project_code": "S21894", "entry_date": "2020-10-01", "entry": ENTRY},
    )

    pid = first.json()["id"]
    exit_body = {"exit_date": "2021-06-30", "snapshot": {**ENTRY, "labour_status": "self_employed"}}
    ended = await client.post(f"/esr/participations/{pid}/exit", json=exit_body, headers=pm)
    assert ended.status_code == 200 and ended.json()["exit"]["labour_status"] == "self_employed"
    assert (
        await client.post(f"/esr/participations/{pid}/exit", json=exit_body, headers=pm)
    ).status_code == 409

    flags = {"migrant_background": True, "disability": False}
    assert (
        await client.put(f"/esr/participations/{pid}/sensitive", json=flags, headers=pm)
    ).status_code == 403
    allowed = auth("project_manager", permissions=["esr_sensitive"])
    assert (
        await client.put(f"/esr/participations/{pid}/sensitive", json=flags, headers=allowed)
    ).status_code == 200
    assert (await client.get(f"/esr/participations/{pid}/sensitive", headers=allowed)).json()[
        "migrant_background"
    ] is True
    assert (
        await client.get(
            f"/esr/participations/{pid}/sensitive", headers=auth("auditor", permissions=["esr_sensitive"])
        )
    ).status_code == 403

    plain = await client.get(
        "/esr/indicators.csv", params={"project_code": "S21894"}, headers=auth("auditor")
    )
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("text/csv")
    table = rows(plain.text)
    assert table["participants"] == ["2", "1", "0", "3"]
    assert table["age_group:under_25"] == ["0", "1", "0", "1"] and table["age_group:over_54"] == [
        "2",
        "0",
        "0",
        "2",
    ]
    assert table["isced_at_entry:5-8"] == ["2", "0", "0", "2"]
    assert table["exited"] == ["1", "0", "0", "1"]
    assert table["labour_status_at_exit:self_employed"] == ["1", "0", "0", "1"]
    assert not any(k.startswith("sensitive:") for k in table)
    with_sensitive = rows(
        (await client.get("/esr/indicators.csv", params={"project_code": "S21894"}, headers=allowed)).text
    )
    assert with_sensitive["sensitive:migrant_background"] == ["1", "0", "0", "1"]
    assert with_sensitive["sensitive:disability"] == ["0", "0", "0", "0"]
    assert (
        await client.get("/esr/indicators.csv", params={"project_code": "S21894"}, headers=auth("steering"))
    ).status_code == 403
    listed = (await client.get("/esr/participations", params={"project_code": "S21894"}, headers=pm)).json()
    assert listed["total"] == 3
    # the auditor's access to exact small counts is intended and audited: each export is in the trail
    trail = (await client.get("/audit", params={"limit": 200}, headers=auth("auditor"))).json()["items"]
    exports = [e for e in trail if e["action"] == "esr.indicators_export"]
    assert [e["actor_roles"] for e in exports] == ["auditor", "project_manager"]
    assert exports[0]["entity_id"] == "S21894" and exports[0]["changes"] == {"sensitive_rows": False}
