"""Reference data: projects, sectors with validity (a pilot keeps the sectors it had), indicator kinds."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.pilots.helpers import PROJECT, create_pilot, etag_of

Auth = Callable[..., dict[str, str]]


async def test_sectors_and_kinds(client: httpx.AsyncClient, auth: Auth) -> None:
    reader = auth("champion")
    sectors = (await client.get("/sectors", headers=reader)).json()["items"]
    assert len(sectors) == 5 and {"code", "name_fi", "name_en", "valid_from", "valid_to"} <= set(sectors[0])
    in_2024 = (await client.get("/sectors", params={"valid_on": "2024-01-01"}, headers=reader)).json()[
        "items"
    ]
    assert "sosiaali-ja-terveyspalvelut" not in {s["code"] for s in in_2024} and len(in_2024) == 4
    kinds = (await client.get("/indicator-kinds", headers=reader)).json()["items"]
    assert [k["code"] for k in kinds] == [
        "impact",
        "well_being_at_work",
        "productivity",
        "customer_experience",
        "other",
    ]
    project = (await client.get(f"/projects/{PROJECT}", headers=reader)).json()
    assert project == {
        "code": "S21894",
        "name": "Ihmiskeskeinen digitaalinen kunta (IDK)",
        "period_start": "2020-01-01",
        "period_end": "2022-12-31",
        "pilots": 0,
        "href": "/api/v1/pilots/projects/S21894",
    }


async def test_admin_adds_sectors_and_projects(client: httpx.AsyncClient, auth: Auth) -> None:
    body = {
        "code": "kaupunkiymparisto-2026",
        "name_fi": "Kaupunkiympäristön toimiala",
        "name_en": "Urban environment",
        "valid_from": "2026-01-01",
    }
    assert (await client.post("/sectors", json=body, headers=auth("steering"))).status_code == 403
    created = await client.post("/sectors", json=body, headers=auth("admin"))
    assert created.status_code == 201 and created.json()["valid_to"] is None
    assert created.headers["location"] == "/api/v1/pilots/sectors/kaupunkiymparisto-2026"
    read = await client.get(
        created.headers["location"].removeprefix("/api/v1/pilots"), headers=auth("steering")
    )
    assert read.status_code == 200 and read.json() == created.json()
    assert (await client.post("/sectors", json=body, headers=auth("admin"))).status_code == 409
    backwards = {**body, "code": "x", "valid_to": "2025-01-01"}
    assert (await client.post("/sectors", json=backwards, headers=auth("admin"))).status_code == 422
    project = {
        "code": "S30000",
        "name": "Next project",
        "period_start": "2024-01-01",
        "period_end": "2026-12-31",
    }
    # admins and project managers (who create projects in the budget service too; ADR 0010)
    assert (await client.post("/projects", json=project, headers=auth("pilot_owner"))).status_code == 403
    made = await client.post("/projects", json=project, headers=auth("project_manager"))
    assert made.status_code == 201 and made.headers["location"] == "/api/v1/pilots/projects/S30000"
    # an empty project reference can be removed (not by a pilot owner); one with pilots cannot
    assert (await client.delete("/projects/S30000", headers=auth("pilot_owner"))).status_code == 403
    assert (await client.delete("/projects/S30000", headers=auth("project_manager"))).status_code == 204
    assert (await client.get("/projects/S30000", headers=auth("admin"))).status_code == 404
    assert (await client.delete("/projects/S30000", headers=auth("admin"))).status_code == 404
    await create_pilot(client, auth("project_manager"), "Kept")
    kept = await client.delete(f"/projects/{PROJECT}", headers=auth("admin"))
    assert kept.status_code == 409 and kept.json()["type"].endswith("/project-not-empty")
    assert "1 pilots" in kept.json()["detail"]
    assert (await client.get(f"/projects/{PROJECT}", headers=auth("admin"))).status_code == 200
    # a sector valid only from 2026 does not fit a pilot of IDK (2020-2022)
    refused = await client.post(
        f"/projects/{PROJECT}/pilots", json={"title": "x", "sectors": [body["code"]]}, headers=auth("admin")
    )
    assert refused.status_code == 422 and "not during the pilot" in refused.json()["errors"][0]["reason"]


async def test_pilot_keeps_the_sectors_it_had(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(
        client,
        pm,
        "Long ago",
        sectors=["konsernipalvelut", "kaupunkiymparisto"],
        start_date="2020-03-01",
        end_date="2020-12-31",
    )
    ended = await client.patch(
        "/sectors/konsernipalvelut", json={"valid_to": "2020-01-31"}, headers=auth("admin")
    )
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2020-01-31"
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    assert [s["code"] for s in read.json()["sectors"]] == ["kaupunkiymparisto", "konsernipalvelut"]
    kept = await client.patch(
        f"/pilots/{pilot['id']}",
        json={"sectors": ["konsernipalvelut", "kaupunkiymparisto", "kasvu-ja-oppiminen"]},
        headers={**pm, **etag_of(read)},
    )
    assert kept.status_code == 200 and len(kept.json()["sectors"]) == 3
    other = await client.post(
        f"/projects/{PROJECT}/pilots",
        json={"title": "New", "sectors": ["konsernipalvelut"], "start_date": "2020-03-01"},
        headers=pm,
    )
    assert other.status_code == 422 and other.json()["errors"][0]["name"] == "body.sectors.0"
