"""Helpers of the pilots tests: a pilot made ready for each gate through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

PROJECT = "S21894"
OWNER = "person-owner-1"
H = dict[str, str]
EVALUATION_QUESTIONS = [
    "evaluated.assumed",
    "evaluated.happened",
    "evaluated.surprised",
    "evaluated.evidence",
    "evaluated.involved",
    "evaluated.differently",
]

READY_FOR_APPROVAL: dict[str, Any] = {
    "need": "Residents wait weeks for a reply to their service requests.",
    "description": "A shared digital front desk for two service areas.",
    "sectors": ["kasvu-ja-oppiminen", "hyvinvoinnin-edistaminen"],
    "customer_groups": ["families with children"],
    "customer_involvement_method": "co-design workshops and a pilot group",
    "customers_involved": 40,
    "start_date": "2021-01-01",
    "end_date": "2021-12-31",
    "riskiest_assumption": "Staff of two sectors will share one queue.",
    "hypothesis": {
        "action": "a shared digital front desk",
        "group": "families with children",
        "group_size": 40,
        "outcome": "faster replies",
        "outcome_percent": 30,
        "time_frame": "six months",
    },
}


def decision(reference: str = "Ohjausryhmä 1/2021, § 3", day: dt.date | None = None) -> dict[str, str]:
    return {"reference": reference, "decided_on": (day or dt.date.today()).isoformat()}


def etag_of(response: httpx.Response) -> H:
    return {"If-Match": response.headers["ETag"]}


async def create_pilot(
    client: httpx.AsyncClient, headers: H, title: str = "Front desk", **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/projects/{PROJECT}/pilots", json={"title": title, **fields}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_indicator(
    client: httpx.AsyncClient, headers: H, pilot_id: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "kind": "productivity",
        "name": "Reply time",
        "unit": "days",
        "direction": "lower",
        "baseline": 14,
        "target": 7,
        **fields,
    }
    response = await client.post(f"/pilots/{pilot_id}/indicators", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def move(client: httpx.AsyncClient, headers: H, pilot_id: str, to: str, **extra: Any) -> httpx.Response:
    return await client.post(f"/pilots/{pilot_id}/moves", json={"to": to, **extra}, headers=headers)


async def approve(client: httpx.AsyncClient, manager: H, pilot_id: str, **extra: Any) -> httpx.Response:
    """The steering group's approval, recorded by the project manager."""
    return await move(client, manager, pilot_id, "approved", decision=decision(), **extra)


async def approved_pilot(client: httpx.AsyncClient, manager: H, title: str, **fields: Any) -> dict[str, Any]:
    """A pilot taken through idea and planned to approved (``manager`` records the approval)."""
    pilot = await create_pilot(client, manager, title, **{**READY_FOR_APPROVAL, **fields})
    await add_indicator(client, manager, pilot["id"])
    assert (await move(client, manager, pilot["id"], "planned")).status_code == 200
    response = await approve(client, manager, pilot["id"])
    assert response.status_code == 200, response.text
    return pilot


async def question_ids(client: httpx.AsyncClient, headers: H) -> dict[str, str]:
    page = (await client.get("/reflection-questions", headers=headers, params={"limit": 200})).json()
    return {q["code"]: q["id"] for q in page["items"]}


async def answer_evaluation_questions(client: httpx.AsyncClient, headers: H, pilot_id: str) -> None:
    ids = await question_ids(client, headers)
    for code in EVALUATION_QUESTIONS:
        r = await client.put(
            f"/pilots/{pilot_id}/reflections/{ids[code]}",
            json={"answer": f"Our answer to {code}."},
            headers=headers,
        )
        assert r.status_code == 201, r.text


async def evaluated_pilot(client: httpx.AsyncClient, manager: H, title: str, **fields: Any) -> dict[str, Any]:
    """An approved pilot that ran, was measured, written up, reflected on and moved to evaluated."""
    pilot = await approved_pilot(client, manager, title, **fields)
    pid = pilot["id"]
    assert (await move(client, manager, pid, "running")).status_code == 200
    ind = (await client.get(f"/pilots/{pid}/indicators", headers=manager)).json()["items"][0]
    m = await client.post(
        f"/pilots/{pid}/measurements",
        json={"indicator_id": ind["id"], "measured_on": "2021-06-30", "value": 9},
        headers=manager,
    )
    assert m.status_code == 201, m.text
    read = await client.get(f"/pilots/{pid}", headers=manager)
    r = await client.patch(
        f"/pilots/{pid}",
        json={"what_happened": "Replies in 9 days.", "conclusion": "Worth keeping."},
        headers={**manager, **etag_of(read)},
    )
    assert r.status_code == 200, r.text
    await answer_evaluation_questions(client, manager, pid)
    r = await move(client, manager, pid, "evaluated")
    assert r.status_code == 200, r.text
    return {**pilot, "measurement_id": m.json()["id"]}


def scale_up(measurement_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "outcome": "scale_up",
        "reasoning": "Reply times halved and staff want to keep it.",
        "evidence": [
            {"kind": "measurement", "ref": measurement_id},
            {"kind": "document", "ref": "https://intra.kuopio.example/report.pdf"},
        ],
        "decision": decision("Ohjausryhmä 4/2021, § 3"),
        "success_rating": 8,
        "establishment": {"anchor_kind": "guideline", "anchor_name": "Customer service guideline"},
        **extra,
    }
