"""A pilot owner takes a pilot from idea to established practice, guided by the next-gate hints."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.pilots.helpers import (
    OWNER,
    PROJECT,
    READY_FOR_APPROVAL,
    add_indicator,
    answer_evaluation_questions,
    approve,
    create_pilot,
    decision,
    etag_of,
    move,
    scale_up,
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
    assert gate["ready"] and gate["missing"] == [] and gate["decision_needed"] == "approval"
    # approval is the project's decision, never the owner's (issue 9)
    own = await approve(client, owner, pid)
    assert own.status_code == 403 and own.json()["type"].endswith("/decision-needs-manager")
    pm = auth("project_manager", subject="pm-1")
    unreferenced = await move(client, pm, pid, "approved")
    assert unreferenced.status_code == 422 and unreferenced.json()["type"].endswith(
        "/decision-reference-required"
    )
    approved = await approve(client, pm, pid)
    assert approved.status_code == 200 and approved.json()["stage"] == "approved"
    assert approved.json()["hypothesis"]["statement"].startswith(
        "We believe that a shared digital front desk"
    )

    assert (await move(client, owner, pid, "running")).status_code == 200
    gate = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert {m["code"] for m in gate["missing"]} == {
        "measurements",
        "what_happened",
        "conclusion",
        "reflections",
    }

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
    unanswered = await move(client, owner, pid, "evaluated")
    assert unanswered.status_code == 409 and [m["code"] for m in unanswered.json()["missing"]] == [
        "reflections"
    ]
    await answer_evaluation_questions(client, owner, pid)
    assert (await move(client, owner, pid, "evaluated")).status_code == 200

    gate = (await client.get(f"/pilots/{pid}/next-gate", headers=owner)).json()
    assert gate["next_stage"] == "established" and [m["code"] for m in gate["missing"]] == [
        "scale_up_decision",
        "establishment_record",
    ]
    assert (await move(client, pm, pid, "established", decision=decision())).status_code == 409
    evidence = m.json()["id"]
    assert (
        await client.post(f"/pilots/{pid}/decisions", json=scale_up(evidence), headers=owner)
    ).status_code == 403
    decided = await client.post(f"/pilots/{pid}/decisions", json=scale_up(evidence), headers=pm)
    assert decided.status_code == 201, decided.text
    record_id = decided.json()["establishment_id"]
    record = await client.get(f"/establishments/{record_id}", headers=owner)
    assert record.json()["status"] == "proposed" and record.json()["pilot_ids"] == [pid]
    assert (await move(client, owner, pid, "established", decision=decision())).status_code == 403
    done = await move(client, pm, pid, "established", decision=decision("Lautakunta § 12/2021"))
    assert done.status_code == 200 and done.json()["stage"] == "established"
    assert done.json()["establishment_ids"] == [record_id]
    assert done.json()["success_rating"] == 8 and done.json()["latest_decision"]["outcome"] == "scale_up"
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
    assert [h["actor"] for h in history] == [OWNER, OWNER, "pm-1", OWNER, OWNER, "pm-1"]
    decisions = (await client.get(f"/pilots/{pid}/decisions", headers=owner)).json()["items"]
    assert [(d["gate"], d["outcome"], d["decided_by"]) for d in decisions] == [
        ("approval", "approved", "pm-1"),
        ("evaluation", "scale_up", "pm-1"),
        ("establishment", "established", "pm-1"),
    ]
    assert decisions[-1]["reference"] == "Lautakunta § 12/2021"
    assert history[2]["decision_id"] == decisions[0]["id"]
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=auth("steering"))).json()
    assert portfolio["by_stage"]["established"] == 1 and portfolio["active_count"] == 1
    assert portfolio["minimum_met"] is False and portfolio["maximum_ok"] is True
    trail = (await client.get("/audit", headers=auth("auditor"), params={"entity_id": pid})).json()["items"]
    assert [e["action"] for e in trail].count("move") == 5
    decided_entries = (
        await client.get("/audit", headers=auth("auditor"), params={"entity_type": "gate_decision"})
    ).json()
    assert [e["changes"]["outcome"] for e in decided_entries["items"]] == [
        "approved",
        "scale_up",
        "established",
    ]
