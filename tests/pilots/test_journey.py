"""A pilot owner takes a pilot from idea to established practice, guided by the next-gate hints."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.pilots.helpers import (
    OWNER,
    PROJECT,
    READY_FOR_APPROVAL,
    add_indicator,
    create_pilot,
    etag_of,
    move,
)

Auth = Callable[..., dict[str, str]]


async def test_idea_to_established(client: httpx.AsyncClient, auth: Auth) -> None:
    owner = auth("pilot_owner", subject=OWNER)
    pilot = await create_pilot(client, owner, "Shared front desk")
    pid = pilot["id"]
    assert pilot["stage"] == "idea" and pilot["owner_id"] == OWNER

    gate = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert gate["next_stage"] == "planned" and not gate["ready"]
    assert [m["code"] for m in gate["missing"]] == ["need"]
    refused = await move(client, owner, pid, "planned")
    assert refused.status_code == 409
    assert [m["code"] for m in refused.json()["missing"]] == ["need"]
    assert refused.json()["allowed_moves"] == ["planned", "discontinued"]

    read = await client.get(f"/pilots/{pid}", headers=owner)
    changed = await client.patch(
        f"/pilots/{pid}", json={"need": READY_FOR_APPROVAL["need"]}, headers={**owner, **etag_of(read)}
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()["ready"] is True
    assert (await move(client, owner, pid, "planned")).status_code == 200

    gate = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert gate["next_stage"] == "approved"
    assert {m["code"] for m in gate["missing"]} == {
        "sectors",
        "customer_involvement",
        "hypothesis",
        "indicator",
        "dates",
    }
    assert gate["portfolio"] == {"active_count": 0, "maximum": 5, "room": True}

    read = await client.get(f"/pilots/{pid}", headers=owner)
    body = {k: v for k, v in READY_FOR_APPROVAL.items() if k != "need"}
    assert (
        await client.patch(f"/pilots/{pid}", json=body, headers={**owner, **etag_of(read)})
    ).status_code == 200
    ind = await add_indicator(client, owner, pid)
    gate = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert gate["ready"] and gate["missing"] == []
    approved = await move(client, owner, pid, "approved")
    assert approved.status_code == 200 and approved.json()["stage"] == "approved"
    assert approved.json()["hypothesis"]["statement"].startswith(
        "We believe that a shared digital front desk"
    )

    assert (await move(client, owner, pid, "running")).status_code == 200
    gate = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert {m["code"] for m in gate["missing"]} == {"measurements", "what_happened", "conclusion"}

    m = await client.post(
        f"/pilots/{pid}/measurements",
        json={
            "indicator_id": ind["id"],
            "measured_on": "2021-06-30",
            "value": 9.5,
            "source": "ticket system",
        },
        headers=owner,
    )
    assert m.status_code == 201, m.text
    read = await client.get(f"/pilots/{pid}", headers=owner)
    indicator = read.json()["indicators"][0]
    assert indicator["latest"]["value"] == 9.5 and indicator["progress_percent"] == 64.3  # (9.5-14)/(7-14)
    canvas = {
        "what_happened": "Replies came in 9.5 days.",
        "conclusion": "Worth keeping.",
        "success_rating": 8,
        "traffic_lights": {"impact": "green", "productivity": "yellow"},
    }
    assert (
        await client.patch(f"/pilots/{pid}", json=canvas, headers={**owner, **etag_of(read)})
    ).status_code == 200
    assert (await move(client, owner, pid, "evaluated")).status_code == 200

    gate = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert gate["next_stage"] == "established" and [m["code"] for m in gate["missing"]] == [
        "establishment_record"
    ]
    assert (await move(client, owner, pid, "established")).status_code == 409
    record = await client.post(
        f"/projects/{PROJECT}/establishments",
        json={
            "practice": "Shared digital front desk",
            "anchor_kind": "guideline",
            "anchor_name": "Customer service guideline",
            "pilot_ids": [pid],
        },
        headers=owner,
    )
    assert record.status_code == 201, record.text
    done = await move(client, owner, pid, "established")
    assert done.status_code == 200 and done.json()["stage"] == "established"
    assert done.json()["establishment_ids"] == [record.json()["id"]]
    final = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert final["next_stage"] is None and final["allowed_moves"] == []

    history = (await client.get(f"/pilots/{pid}/history", headers=owner)).json()["items"]
    assert [h["to_stage"] for h in history] == [
        "idea",
        "planned",
        "approved",
        "running",
        "evaluated",
        "established",
    ]
    assert all(h["actor"] == OWNER for h in history)
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=auth("steering"))).json()
    assert portfolio["by_stage"]["established"] == 1 and portfolio["active_count"] == 1
    assert portfolio["minimum_met"] is False and portfolio["maximum_ok"] is True
    trail = (await client.get("/audit", headers=auth("auditor"), params={"entity_id": pid})).json()["items"]
    assert [e["action"] for e in trail].count("move") == 5
