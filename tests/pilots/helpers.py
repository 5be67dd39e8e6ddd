"""Helpers of the pilots tests: a pilot made ready for each gate through the API."""

from __future__ import annotations

from typing import Any

import httpx

PROJECT = "S21894"
OWNER = "person-owner-1"
H = dict[str, str]

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


async def approved_pilot(client: httpx.AsyncClient, headers: H, title: str) -> dict[str, Any]:
    """A pilot taken through idea and planned to approved."""
    pilot = await create_pilot(client, headers, title, **READY_FOR_APPROVAL)
    await add_indicator(client, headers, pilot["id"])
    for stage in ("planned", "approved"):
        response = await move(client, headers, pilot["id"], stage)
        assert response.status_code == 200, response.text
    return pilot
