"""The budget app's shared infrastructure: health, auth, problems, audit trail, OpenAPI."""

from __future__ import annotations

from collections.abc import Callable

import httpx


async def test_livez_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/livez")).json() == {"status": "alive"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["status"] == "ok"
    assert ready.headers["x-request-id"]


async def test_no_token_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/audit")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 401 and body["type"].endswith("/unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_wrong_role_is_403_problem(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    response = await client.get("/audit", headers=auth("champion"))
    assert response.status_code == 403
    assert response.json()["required_roles"] == ["auditor", "admin"]


async def test_auditor_reads_empty_audit_trail(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    response = await client.get("/audit", headers=auth("auditor"))
    assert response.status_code == 200
    assert response.json()["items"] == [] and response.json()["next_cursor"] is None


async def test_openapi_documents_problems_and_bearer(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    audit = spec["paths"]["/audit"]["get"]["responses"]
    assert "application/problem+json" in audit["4XX"]["content"]
