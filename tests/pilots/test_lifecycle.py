"""Lifecycle rules: single-sector approval, the sixth approval, moves back, late entry, frozen fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx

from tests.pilots.helpers import (
    PROJECT,
    READY_FOR_APPROVAL,
    add_indicator,
    approve,
    approved_pilot,
    create_pilot,
    decision,
    etag_of,
    move,
)

Auth = Callable[..., dict[str, str]]


async def test_single_sector_approval_is_refused(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(
        client, pm, "One sector", **{**READY_FOR_APPROVAL, "sectors": ["konsernipalvelut"]}
    )
    await add_indicator(client, pm, pilot["id"])
    assert (await move(client, pm, pilot["id"], "planned")).status_code == 200
    refused = await approve(client, pm, pilot["id"])
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"].endswith("/gate-not-met")
    assert [m["code"] for m in body["missing"]] == ["sectors"]
    assert body["allowed_moves"] == ["approved", "idea", "discontinued"]
    assert (await client.get(f"/pilots/{pilot['id']}", headers=pm)).json()["stage"] == "planned"


async def test_sixth_approval_is_refused_naming_the_five(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    five = [await approved_pilot(client, pm, f"Pilot {i}") for i in range(1, 6)]
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=pm)).json()
    assert portfolio["active_count"] == 5 and portfolio["minimum_met"] and portfolio["maximum_ok"]
    sixth = await create_pilot(client, pm, "Pilot 6", **READY_FOR_APPROVAL)
    await add_indicator(client, pm, sixth["id"])
    assert (await move(client, pm, sixth["id"], "planned")).status_code == 200
    gate = (await client.get(f"/pilots/{sixth['id']}/next-gate", headers=pm)).json()
    assert not gate["ready"] and [m["code"] for m in gate["missing"]] == ["portfolio_room"]
    refused = await approve(client, pm, sixth["id"])
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"].endswith("/portfolio-full")
    assert sorted(p["id"] for p in body["pilots"]) == sorted(p["id"] for p in five)
    assert all(f"Pilot {i}" in body["detail"] for i in range(1, 6))
    # one of the five discontinued frees a place
    assert (
        await move(client, pm, five[0]["id"], "discontinued", reason="customers did not come")
    ).status_code == 200
    assert (await approve(client, pm, sixth["id"])).status_code == 200
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=auth("auditor"))).json()
    assert portfolio["by_stage"] == {
        "idea": 0,
        "planned": 0,
        "approved": 5,
        "running": 0,
        "evaluated": 0,
        "established": 0,
        "discontinued": 1,
    }
    assert portfolio["active_count"] == 5 and "weighs 1" in portfolio["rule"]
    assert {"id", "title", "stage", "owner_id", "sectors", "success_rating", "counts_toward_rule"} <= set(
        portfolio["pilots"][0]
    )


async def test_move_back_needs_reason_and_is_kept(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager", subject="pm-1")
    pilot = await approved_pilot(client, pm, "Back and forth")
    assert (await move(client, pm, pilot["id"], "running")).status_code == 200
    no_reason = await move(client, pm, pilot["id"], "planned")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["name"] == "body.reason"
    back = await move(client, pm, pilot["id"], "planned", reason="the customer group changed")
    assert back.status_code == 200 and back.json()["stage"] == "planned"
    last = (await client.get(f"/pilots/{pilot['id']}/history", headers=pm)).json()["items"][-1]
    assert (last["from_stage"], last["to_stage"], last["kind"], last["actor"], last["reason"]) == (
        "running",
        "planned",
        "back",
        "pm-1",
        "the customer group changed",
    )


async def test_moves_the_lifecycle_does_not_allow(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Jumper", **READY_FOR_APPROVAL)
    jump = await move(client, pm, pilot["id"], "running")
    assert jump.status_code == 409 and jump.json()["type"].endswith("/move-not-allowed")
    assert jump.json()["allowed_moves"] == ["planned", "discontinued"]
    assert "indicator" in [m["code"] for m in jump.json()["missing"]]
    same = await move(client, pm, pilot["id"], "idea")
    assert same.status_code == 409
    assert (
        await move(client, pm, pilot["id"], "discontinued", reason="merged into another pilot")
    ).status_code == 200
    final = await move(client, pm, pilot["id"], "planned", reason="try again")
    assert final.status_code == 409 and final.json()["allowed_moves"] == []
    bad = await move(client, pm, pilot["id"], "finished")
    assert bad.status_code == 422


async def test_late_entry_with_reason_checks_every_gate(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Already running", **READY_FOR_APPROVAL)
    no_reason = await move(client, pm, pilot["id"], "running", late_entry=True, decision=decision())
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["name"] == "body.reason"
    no_decision = await move(
        client, pm, pilot["id"], "running", late_entry=True, reason="started in 2020 on paper"
    )
    assert no_decision.status_code == 422 and no_decision.json()["errors"][0]["name"] == "body.decision"
    missing = await move(
        client,
        pm,
        pilot["id"],
        "running",
        late_entry=True,
        reason="started in 2020 on paper",
        decision=decision(),
    )
    assert missing.status_code == 409 and [m["code"] for m in missing.json()["missing"]] == ["indicator"]
    await add_indicator(client, pm, pilot["id"])
    entered = await move(
        client,
        pm,
        pilot["id"],
        "running",
        late_entry=True,
        reason="started in 2020 on paper",
        decision=decision(),
    )
    assert entered.status_code == 200 and entered.json()["stage"] == "running"
    last = (await client.get(f"/pilots/{pilot['id']}/history", headers=pm)).json()["items"][-1]
    assert (last["kind"], last["from_stage"], last["reason"], last["effective_on"]) == (
        "late_entry",
        "idea",
        "started in 2020 on paper",
        dt.date.today().isoformat(),
    )
    assert last["decision_id"] is not None
    before_creation = await move(
        client, pm, pilot["id"], "approved", reason="wrongly entered", effective_on="2020-01-01"
    )
    assert (
        before_creation.status_code == 422
        and before_creation.json()["errors"][0]["name"] == "body.effective_on"
    )


async def test_what_was_tested_is_frozen_once_running(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await approved_pilot(client, pm, "Frozen")
    ind = (await client.get(f"/pilots/{pilot['id']}/indicators", headers=pm)).json()["items"][0]
    assert (await move(client, pm, pilot["id"], "running")).status_code == 200
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    assert read.json()["frozen"] is True
    change = {"hypothesis": {"group_size": 60}}
    refused = await client.patch(f"/pilots/{pilot['id']}", json=change, headers={**pm, **etag_of(read)})
    assert refused.status_code == 409 and refused.json()["fields"] == ["hypothesis_group_size"]
    ok = await client.patch(
        f"/pilots/{pilot['id']}",
        json={**change, "change_reason": "more families joined"},
        headers={**pm, **etag_of(read)},
    )
    assert ok.status_code == 200 and ok.json()["hypothesis"]["group_size"] == 60
    # other fields stay editable without a reason
    assert (
        await client.patch(
            f"/pilots/{pilot['id']}", json={"next_step": "report"}, headers={**pm, **etag_of(ok)}
        )
    ).status_code == 200
    url = f"/pilots/{pilot['id']}/indicators/{ind['id']}"
    assert (await client.patch(url, json={"target": 5}, headers=pm)).status_code == 409
    moved = await client.patch(
        url, json={"target": 5, "change_reason": "the board raised the bar"}, headers=pm
    )
    assert moved.status_code == 200 and moved.json()["target"] == 5
    changes = (await client.get(f"/pilots/{pilot['id']}/frozen-changes", headers=pm)).json()["items"]
    assert [(c["field"], c["old_value"], c["new_value"], c["reason"]) for c in changes] == [
        ("hypothesis_group_size", "40", "60", "more families joined"),
        ("target", "7", "5", "the board raised the bar"),
    ]


async def test_discontinued_is_frozen_only_if_it_ran(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    never = await create_pilot(client, pm, "Never ran", **READY_FOR_APPROVAL)
    assert (await move(client, pm, never["id"], "discontinued", reason="no owner found")).status_code == 200
    read = await client.get(f"/pilots/{never['id']}", headers=pm)
    assert read.json()["frozen"] is False
    change = {"hypothesis": {"group_size": 10}}
    assert (
        await client.patch(f"/pilots/{never['id']}", json=change, headers={**pm, **etag_of(read)})
    ).status_code == 200
    ran = await approved_pilot(client, pm, "Ran")
    assert (await move(client, pm, ran["id"], "running")).status_code == 200
    assert (await move(client, pm, ran["id"], "discontinued", reason="funding ended")).status_code == 200
    read = await client.get(f"/pilots/{ran['id']}", headers=pm)
    assert read.json()["frozen"] is True
    assert (
        await client.patch(f"/pilots/{ran['id']}", json=change, headers={**pm, **etag_of(read)})
    ).status_code == 409
