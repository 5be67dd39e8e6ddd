"""Hostile input is a 4xx problem, never a 500: cursors, dates, ids, control characters, nesting."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx

Auth = Callable[..., dict[str, str]]


def cursor(values: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def test_read_log_cursor_out_of_range(client: httpx.AsyncClient, auth: Auth) -> None:
    for bad in ([10**30], [True], ["x"], [1.5]):
        response = await client.get("/read-log", params={"cursor": cursor(bad)}, headers=auth("auditor"))
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["type"].endswith("/invalid-cursor")


async def test_dates_and_ids_are_strict(client: httpx.AsyncClient, auth: Auth) -> None:
    steering = auth("steering")
    for bad in ("0", "2021-13-01", "1.1.2021", "true"):
        response = await client.get("/projects/S21894/situation", params={"as_of": bad}, headers=steering)
        assert response.status_code == 422, (bad, response.text)
    big = await client.get("/rounds/9223372036854775808/aggregates", headers=steering)
    assert big.status_code == 422
    body = {"project_code": "S21894", "kind": "coaching", "title": "Valmennus", "date": 0, "hours": 1}
    response = await client.post("/coaching-events", json=body, headers=auth("project_manager"))
    assert response.status_code == 422


async def test_control_characters_are_refused(client: httpx.AsyncClient, auth: Auth) -> None:
    body = {
        "project_code": "S21894",
        "kind": "coaching",
        "title": "Kokeilu \u0001",
        "date": "2021-01-01",
        "hours": 1,
    }
    response = await client.post("/coaching-events", json=body, headers=auth("project_manager"))
    assert response.status_code == 422 and "title" in response.text


async def test_json_nested_deeply_is_a_problem(client: httpx.AsyncClient, auth: Auth) -> None:
    deep = ("[" * 10_000 + "]" * 10_000).encode()
    response = await client.post(
        "/champions", content=deep, headers={**auth("project_manager"), "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.headers["content-type"].startswith(
        "application/problem+json"
    )
