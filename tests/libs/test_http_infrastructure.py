"""Sessions, problems, audit and paging as every app sees them."""

from __future__ import annotations

import httpx

from hanke_libs.settings import AppSettings
from hanke_libs.testing import bearer


async def test_write_commits_with_its_audit_entry(client: httpx.AsyncClient, settings: AppSettings) -> None:
    created = await client.post(
        "/things", json={"name": "a"}, headers=bearer(settings, "admin", subject="u1")
    )
    assert created.status_code == 201
    trail = (await client.get("/audit", headers=bearer(settings, "auditor"))).json()["items"]
    assert [(e["actor"], e["action"], e["entity_id"]) for e in trail] == [("u1", "create", "a")]
    assert trail[0]["request_id"] == created.headers["x-request-id"]


async def test_error_rolls_back_everything(client: httpx.AsyncClient, settings: AppSettings) -> None:
    response = await client.post("/things", json={"name": "conflict"}, headers=bearer(settings, "admin"))
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/thing-exists") and body["existing"] == "conflict"
    assert response.headers["content-type"].startswith("application/problem+json")
    trail = (await client.get("/audit", headers=bearer(settings, "auditor"))).json()["items"]
    assert trail == []


async def test_unexpected_error_is_500_problem_without_traceback(
    client: httpx.AsyncClient, settings: AppSettings
) -> None:
    response = await client.post("/things", json={"name": "boom"}, headers=bearer(settings, "admin"))
    assert response.status_code == 500
    body = response.json()
    assert body["type"].endswith("/internal") and "Traceback" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]


async def test_validation_error_is_422_problem_listing_fields(
    client: httpx.AsyncClient, settings: AppSettings
) -> None:
    response = await client.post("/things", json={"name": ""}, headers=bearer(settings, "admin"))
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/validation")
    assert body["errors"][0]["name"] == "body.name"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["type"].endswith("/not-found")
    wrong = await client.delete("/livez")
    assert wrong.status_code == 405 and wrong.headers["content-type"].startswith("application/problem+json")


async def test_audit_trail_is_append_only(client: httpx.AsyncClient, settings: AppSettings) -> None:
    await client.post("/things", json={"name": "a"}, headers=bearer(settings, "admin"))
    response = await client.post("/tamper", headers=bearer(settings, "admin"))
    assert response.status_code in (409, 500, 503)
    trail = (await client.get("/audit", headers=bearer(settings, "auditor"))).json()["items"]
    assert trail[0]["actor"] == "test-user"


async def test_paging_clamps_limit_and_pages_stably(client: httpx.AsyncClient, settings: AppSettings) -> None:
    for name in ["a", "b", "c"]:
        await client.post("/things", json={"name": name}, headers=bearer(settings, "admin"))
    first = (await client.get("/things?limit=2", headers=bearer(settings, "admin"))).json()
    assert [i["name"] for i in first["items"]] == ["a", "b"] and first["next_offset"] == 2
    second = (await client.get("/things?limit=2&offset=2", headers=bearer(settings, "admin"))).json()
    assert [i["name"] for i in second["items"]] == ["c"] and second["next_offset"] is None
    clamped = (await client.get("/things?limit=100000", headers=bearer(settings, "admin"))).json()
    assert clamped["limit"] == 200
    assert (await client.get("/things?limit=0", headers=bearer(settings, "admin"))).status_code == 422


async def test_audit_keyset_cursor(client: httpx.AsyncClient, settings: AppSettings) -> None:
    for name in ["a", "b", "c"]:
        await client.post("/things", json={"name": name}, headers=bearer(settings, "admin"))
    auditor = bearer(settings, "auditor")
    first = (await client.get("/audit?limit=2", headers=auditor)).json()
    assert [e["entity_id"] for e in first["items"]] == ["a", "b"]
    rest = (await client.get(f"/audit?limit=2&cursor={first['next_cursor']}", headers=auditor)).json()
    assert [e["entity_id"] for e in rest["items"]] == ["c"] and rest["next_cursor"] is None
    bad = await client.get("/audit?cursor=!!notacursor", headers=auditor)
    assert bad.status_code == 400 and bad.json()["type"].endswith("/invalid-cursor")
    # a NUL in a filter (PostgreSQL refuses it in text) is the caller's 422, not a 500
    nul = await client.get("/audit?actor=a%00b", headers=auditor)
    assert nul.status_code == 422 and nul.json()["errors"][0]["name"] == "query.actor"


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/livez", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_fast_query_reads_with_column_types(client: httpx.AsyncClient, settings: AppSettings) -> None:
    await client.post("/things", json={"name": "a"}, headers=bearer(settings, "admin", subject="u9"))
    row = (await client.get("/fast/1", headers=bearer(settings, "admin"))).json()
    assert row["actor"] == "u9" and row["entity_id"] == "a"
    assert row["aware"] is True and row["changes_type"] == "dict" and row["changes"] == {"n": 1}
    assert row["pool"] is settings.resolved_database_url().startswith("postgresql")
    assert (await client.get("/fast/99", headers=bearer(settings, "admin"))).status_code == 404


async def test_a_running_app_keeps_its_startup_objects_out_of_the_collector(settings: AppSettings) -> None:
    """Full collections under load walk only what requests made (startup's objects are frozen);
    shutdown gives them back so a stopped app can be collected."""
    import gc

    from hanke_libs.testing import running
    from tests.libs.conftest import make_app

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    async with running(make_app(settings)) as client:
        assert gc.get_freeze_count() > 10_000
        assert (await client.get("/livez")).status_code == 200
    assert gc.get_freeze_count() == 0
