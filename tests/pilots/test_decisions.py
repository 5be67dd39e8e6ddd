"""The evaluation decision (scale up / adjust and continue / park / stop) and establishment
following it; refusals with their problem type; audit entries (issue 11 parts 3-4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx

from tests.pilots.helpers import PROJECT, decision, evaluated_pilot, move, scale_up

Auth = Callable[..., dict[str, str]]


def _decide(outcome: str, measurement_id: str, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "outcome": outcome,
        "reasoning": f"The evidence says: {outcome}.",
        "evidence": [{"kind": "measurement", "ref": measurement_id}],
        "decision": decision("Ohjausryhmä 4/2021, § 5"),
        **extra,
    }
    return body


async def test_scale_up_proposes_an_establishment_record(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager", subject="pm-1")
    pilot = await evaluated_pilot(client, pm, "Scaled")
    pid = pilot["id"]
    post = await client.post(f"/pilots/{pid}/timeline", json={"text": "Staff asked to keep it."}, headers=pm)
    body = scale_up(pilot["measurement_id"])
    body["evidence"].append({"kind": "timeline_post", "ref": post.json()["id"], "note": "staff feedback"})
    made = await client.post(f"/pilots/{pid}/decisions", json=body, headers=pm)
    assert made.status_code == 201, made.text
    d = made.json()
    assert made.headers["location"] == d["href"] == f"/api/v1/pilots/pilots/{pid}/decisions/{d['id']}"
    assert (d["gate"], d["outcome"], d["from_stage"], d["to_stage"], d["decided_by"]) == (
        "evaluation",
        "scale_up",
        "evaluated",
        "evaluated",
        "pm-1",
    )
    assert [e["kind"] for e in d["evidence"]] == ["measurement", "document", "timeline_post"]
    read = (await client.get(f"/pilots/{pid}", headers=pm)).json()
    assert read["stage"] == "evaluated" and read["success_rating"] == 8
    assert read["latest_decision"]["id"] == d["id"] and read["establishment_ids"] == [d["establishment_id"]]
    record = (await client.get(f"/establishments/{d['establishment_id']}", headers=pm)).json()
    assert (record["status"], record["practice"], record["anchor_name"]) == (
        "proposed",
        "Scaled",
        "Customer service guideline",
    )
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=auth("steering"))).json()
    assert [(x["outcome"], x["reference"]) for x in portfolio["decisions"] if x["gate"] == "evaluation"] == [
        ("scale_up", "Ohjausryhmä 4/2021, § 3")
    ]
    assert portfolio["pilots"][0]["latest_decision"] == "scale_up"
    trail = (
        await client.get("/audit", headers=auth("auditor"), params={"entity_type": "gate_decision"})
    ).json()["items"]
    assert [e["changes"]["outcome"] for e in trail] == ["approved", "scale_up"]
    assert trail[-1]["actor"] == "pm-1" and trail[-1]["changes"]["reference"] == "Ohjausryhmä 4/2021, § 3"
    assert (await move(client, pm, pid, "established", decision=decision())).status_code == 200


async def test_park_and_stop_cannot_become_established_without_a_new_decision(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    pm = auth("project_manager")
    pilot = await evaluated_pilot(client, pm, "Parked")
    pid, mid = pilot["id"], pilot["measurement_id"]
    parked = await client.post(f"/pilots/{pid}/decisions", json=_decide("park", mid), headers=pm)
    assert (
        parked.status_code == 201
        and (await client.get(f"/pilots/{pid}", headers=pm)).json()["stage"] == "evaluated"
    )
    establish = await move(client, pm, pid, "established", decision=decision())
    assert establish.status_code == 409 and "scale_up_decision" in [
        m["code"] for m in establish.json()["missing"]
    ]
    record = await client.post(
        f"/projects/{PROJECT}/establishments",
        json={"practice": "x", "anchor_kind": "body", "anchor_name": "Board", "pilot_ids": [pid]},
        headers=pm,
    )
    assert record.status_code == 409 and record.json()["type"].endswith("/decision-not-scale-up")
    assert "park" in record.json()["detail"] and "new evaluation decision" in record.json()["detail"]
    # a new decision: stop discontinues it
    stopped = await client.post(f"/pilots/{pid}/decisions", json=_decide("stop", mid), headers=pm)
    assert stopped.status_code == 201 and stopped.json()["to_stage"] == "discontinued"
    assert (await client.get(f"/pilots/{pid}", headers=pm)).json()["stage"] == "discontinued"
    assert (await move(client, pm, pid, "established", decision=decision())).status_code == 409
    # a stopped pilot can be decided again: scale up brings it back to evaluated, then establishable
    again = await client.post(f"/pilots/{pid}/decisions", json=scale_up(mid), headers=pm)
    assert again.status_code == 201, again.text
    assert (await client.get(f"/pilots/{pid}", headers=pm)).json()["stage"] == "evaluated"
    assert (await move(client, pm, pid, "established", decision=decision())).status_code == 200
    outcomes = [
        d["outcome"] for d in (await client.get(f"/pilots/{pid}/decisions", headers=pm)).json()["items"]
    ]
    assert outcomes == ["approved", "park", "stop", "scale_up", "established"]


async def test_adjust_and_continue_goes_back_to_running(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await evaluated_pilot(client, pm, "Adjusted")
    made = await client.post(
        f"/pilots/{pilot['id']}/decisions",
        json=_decide("adjust_and_continue", pilot["measurement_id"]),
        headers=pm,
    )
    assert made.status_code == 201
    read = (await client.get(f"/pilots/{pilot['id']}", headers=pm)).json()
    assert read["stage"] == "running"
    last = (await client.get(f"/pilots/{pilot['id']}/history", headers=pm)).json()["items"][-1]
    assert (last["kind"], last["from_stage"], last["to_stage"], last["decision_id"]) == (
        "decision",
        "evaluated",
        "running",
        made.json()["id"],
    )
    # back at running the pilot can be evaluated again
    assert (await move(client, pm, pilot["id"], "evaluated")).status_code == 200


async def test_decision_refusals(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    owner = auth("pilot_owner", subject="owner-9")
    pilot = await evaluated_pilot(client, pm, "Refusals", owner_id="owner-9")
    other = await evaluated_pilot(client, pm, "Other")
    pid, mid = pilot["id"], pilot["measurement_id"]
    url = f"/pilots/{pid}/decisions"
    by_owner = await client.post(url, json=scale_up(mid), headers=owner)
    assert by_owner.status_code == 403 and by_owner.json()["type"].endswith("/decision-needs-manager")
    foreign = await client.post(url, json=scale_up(other["measurement_id"]), headers=pm)
    assert foreign.status_code == 422 and foreign.json()["type"].endswith("/invalid-evidence")
    assert foreign.json()["errors"][0]["name"] == "body.evidence.0.ref"
    no_record = await client.post(url, json={**scale_up(mid), "establishment": None}, headers=pm)
    assert no_record.status_code == 422 and no_record.json()["errors"][0]["name"] == "body.establishment"
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    later = await client.post(
        url, json={**scale_up(mid), "decision": {"reference": "OR 9/2099", "decided_on": future}}, headers=pm
    )
    assert later.status_code == 422 and later.json()["errors"][0]["name"] == "body.decision.decided_on"
    no_evidence = await client.post(url, json={**scale_up(mid), "evidence": []}, headers=pm)
    assert no_evidence.status_code == 422
    bad_url = await client.post(
        url, json={**scale_up(mid), "evidence": [{"kind": "document", "ref": "javascript:x"}]}, headers=pm
    )
    assert bad_url.status_code == 422
    bad_rating = await client.post(url, json={**scale_up(mid), "success_rating": 11}, headers=pm)
    assert bad_rating.status_code == 422
    leave = await move(client, pm, pid, "discontinued", reason="we stop")
    assert leave.status_code == 409 and leave.json()["type"].endswith("/decision-required")
    assert "POST /pilots/" in leave.json()["detail"]
    running = (await client.get(f"/pilots/{pid}/decisions", headers=pm)).json()["total"]
    assert running == 1  # only the approval: nothing was half-applied
    fresh = await client.post(f"/projects/{PROJECT}/pilots", json={"title": "Idea only"}, headers=pm)
    early = await client.post(
        f"/pilots/{fresh.json()['id']}/decisions", json=_decide("park", mid), headers=pm
    )
    assert early.status_code == 409 and early.json()["type"].endswith("/not-at-evaluation-gate")
    trail = (await client.get("/audit", headers=auth("auditor"), params={"entity_id": pid})).json()["items"]
    assert not [e for e in trail if e["action"] == "decide" and e["changes"].get("gate") == "evaluation"]


async def test_establishment_decided_needs_the_project_manager(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    owner = auth("pilot_owner", subject="owner-5")
    pilot = await evaluated_pilot(client, pm, "Owned", owner_id="owner-5")
    made = (
        await client.post(
            f"/pilots/{pilot['id']}/decisions", json=scale_up(pilot["measurement_id"]), headers=pm
        )
    ).json()
    rid = made["establishment_id"]
    read = await client.get(f"/establishments/{rid}", headers=owner)
    decided = {
        "status": "decided",
        "decision_date": "2021-11-10",
        "decision_reference": "Lautakunta § 4/2021",
    }
    refused = await client.patch(
        f"/establishments/{rid}", json=decided, headers={**owner, "If-Match": read.headers["ETag"]}
    )
    assert refused.status_code == 403
    no_etag = await client.patch(f"/establishments/{rid}", json=decided, headers=pm)
    assert no_etag.status_code == 428
    done = await client.patch(
        f"/establishments/{rid}", json=decided, headers={**pm, "If-Match": read.headers["ETag"]}
    )
    assert done.status_code == 200 and done.json()["status"] == "decided" and done.headers["ETag"] == '"v2"'
