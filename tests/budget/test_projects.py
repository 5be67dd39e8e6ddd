"""Projects and budget versions: create, validate, append-only versions, compare, cost model lock."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.budget.conftest import KUOPIO, SAVONIA, entry

Auth = Callable[..., dict[str, str]]

NEW = {
    "code": "S99001",
    "name": "Testihanke",
    "funder": "Pohjois-Savon ELY-keskus",
    "programme": "Uudistuva ja osaava Suomi 2021–2027",
    "period_start": "2024-01-01",
    "period_end": "2025-12-31",
    "cost_model": "flat_40",
    "implementers": [{"business_id": KUOPIO, "name": "Kuopion kaupunki", "role": "lead"}],
    "funding_sources": [
        {"code": "esr", "name": "ESR+", "kind": "esr", "share_percent": "60"},
        {"code": "state", "name": "Valtio", "kind": "other_public", "share_percent": "15.5"},
        {"code": "own", "name": "Omarahoitus", "kind": "own", "share_percent": "24.5"},
    ],
    "own_funding_caps": [{"implementer": KUOPIO, "cap": "1000.00"}],
}


async def test_create_project_and_versions(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager", subject="hp")
    assert (await client.post("/projects", json=NEW, headers=auth("steering"))).status_code == 403
    created = await client.post("/projects", json=NEW, headers=pm)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/budget/projects/S99001"
    assert created.json()["current_version"] is None and created.json()["lead_implementer"] == KUOPIO
    assert (await client.post("/projects", json=NEW, headers=pm)).status_code == 409

    lines = [{"implementer": KUOPIO, "year": 2024, "category": "staff", "amount": "1000.01"}]
    v1 = await client.post(
        "/projects/S99001/versions", json={"kind": "applied", "reason": "Haku", "lines": lines}, headers=pm
    )
    assert v1.status_code == 201 and v1.json()["number"] == 1 and v1.json()["current"] is True
    # flat 40 %: 1000.01 + round_half_up(400.004) = 1400.01; split 60 / 15.5 / rest
    summary = (await client.get("/projects/S99001/summary", headers=pm)).json()
    assert summary["planned_total"] == "1400.01"
    parts = {s["source"]: s["planned"] for s in summary["funding_by_source"]}
    assert parts == {"esr": "840.01", "state": "217.00", "own": "343.00"}

    travel = [*lines, {"implementer": KUOPIO, "year": 2025, "category": "travel", "amount": "10.00"}]
    amended = {"kind": "amended", "reason": "Muutoshakemus", "substantial": True, "lines": travel}
    v2 = (await client.post("/projects/S99001/versions", json=amended, headers=pm)).json()
    assert v2["number"] == 2 and v2["status"] == "pending_decision" and v2["in_force"] is False
    assert v2["needs_decision_by"] == ["city_board", "funder"]
    first = (await client.get("/projects/S99001/versions/1", headers=auth("auditor"))).json()
    assert first["current"] is True and first["total"] == "1000.01"  # v2 waits for its decisions
    diff = (await client.get("/projects/S99001/versions/compare?a=1&b=2", headers=auth("steering"))).json()
    assert diff["difference"] == "10.00"
    assert [(x["category"], x["change"]) for x in diff["lines"]] == [("staff", "same"), ("travel", "added")]
    back = await client.post("/projects/S99001/versions/1/make-current", headers=pm)
    assert back.json()["current"] is True
    listed = (await client.get("/projects/S99001/versions", headers=pm)).json()["items"]
    assert [v["number"] for v in listed] == [1, 2]


async def test_project_validation(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("admin")
    bad_shares = NEW | {"funding_sources": NEW["funding_sources"][:2]}
    r = await client.post("/projects", json=bad_shares, headers=pm)
    assert r.status_code == 422 and "sum to exactly 100" in r.json()["detail"]
    two_leads = NEW | {
        "implementers": [
            {"business_id": KUOPIO, "name": "K", "role": "lead"},
            {"business_id": SAVONIA, "name": "S", "role": "lead"},
        ]
    }
    assert (await client.post("/projects", json=two_leads, headers=pm)).status_code == 422
    assert (
        await client.post("/projects", json=NEW | {"cost_model": "flat_99"}, headers=pm)
    ).status_code == 422


async def test_bad_version_lines(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    lines = [
        {"implementer": KUOPIO, "year": 2019, "category": "staff", "amount": "1.00"},
        {"implementer": "1111111-1", "year": 2020, "category": "overheads", "amount": "1.00"},
        {"implementer": KUOPIO, "year": 2020, "category": "staff", "amount": "1.005"},
    ]
    r = await client.post(
        f"/projects/{idk}/versions",
        json={"kind": "amended", "reason": "x", "lines": lines},
        headers=auth("admin"),
    )
    assert r.status_code == 422
    r = await client.post(
        f"/projects/{idk}/versions",
        json={"kind": "amended", "reason": "x", "lines": lines[:2]},
        headers=auth("admin"),
    )
    names = {e["name"] for e in r.json()["errors"]}
    assert {"body.lines.0.year", "body.lines.1.implementer", "body.lines.1.category"} <= names


async def test_cost_model_fixed_once_costs_exist(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    pm = auth("project_manager")

    async def etag() -> dict[str, str]:
        return pm | {"If-Match": (await client.get(f"/projects/{idk}", headers=pm)).headers["etag"]}

    ok = await client.patch(f"/projects/{idk}", json={"cost_model": "actual"}, headers=await etag())
    assert ok.status_code == 200 and ok.json()["cost_model"] == "actual"
    await client.patch(f"/projects/{idk}", json={"cost_model": "flat_17"}, headers=await etag())
    await client.post(f"/projects/{idk}/costs", json=entry(), headers=auth("finance", implementer=KUOPIO))
    locked = await client.patch(f"/projects/{idk}", json={"cost_model": "flat_24"}, headers=await etag())
    assert locked.status_code == 409 and locked.json()["type"].endswith("/cost-model-locked")
    assert "1 ledger entries" in locked.json()["detail"]
    renamed = await client.patch(f"/projects/{idk}", json={"name": "IDK"}, headers=await etag())
    assert renamed.status_code == 200 and renamed.json()["cost_model"] == "flat_17"
    assert (
        await client.patch(f"/projects/{idk}", json={"name": "x"}, headers=auth("finance"))
    ).status_code == 403


async def test_an_empty_project_can_be_removed(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    pm = auth("project_manager", subject="hp")
    assert (await client.post("/projects", json=NEW, headers=pm)).status_code == 201
    assert (
        await client.delete("/projects/S99001", headers=auth("finance", implementer=KUOPIO))
    ).status_code == 403
    assert (await client.delete("/projects/S99001", headers=pm)).status_code == 204
    assert (await client.get("/projects/S99001", headers=pm)).status_code == 404
    assert (await client.delete("/projects/S99001", headers=pm)).status_code == 404
    # the code is free again: the funding plan and rules went with it
    assert (await client.post("/projects", json=NEW, headers=pm)).status_code == 201
    lines = [{"implementer": KUOPIO, "year": 2024, "category": "staff", "amount": "10.00"}]
    v1 = await client.post(
        "/projects/S99001/versions", json={"kind": "applied", "reason": "H", "lines": lines}, headers=pm
    )
    assert v1.status_code == 201
    held = await client.delete("/projects/S99001", headers=pm)
    assert held.status_code == 409 and held.json()["type"].endswith("/project-not-empty")
    assert "1 budget versions" in held.json()["detail"]
    assert (await client.get("/projects/S99001", headers=pm)).status_code == 200
    seeded = await client.delete(f"/projects/{idk}", headers=auth("admin"))
    assert seeded.status_code == 409 and (await client.get(f"/projects/{idk}", headers=pm)).status_code == 200
    audit = (await client.get("/audit", params={"entity_type": "project"}, headers=auth("auditor"))).json()
    assert any(a["action"] == "delete" and a["entity_id"] == "S99001" for a in audit["items"]), audit
