"""One OpenAPI document for the whole API, and readiness per upstream."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.main import create_app
from gateway.openapi_merge import merge
from hanke_libs.testing import running
from tests.gateway.conftest import gateway_settings
from tests.gateway.servers import ServerThread, free_port

Stubs = dict[str, ServerThread]


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value))
    return set()


async def test_merged_openapi_covers_every_service(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    assert "/api/v1/views/projects/{code}/situation" in paths
    assert "/api/v1/budget/projects/{code}/summary" in paths
    assert "/api/v1/pilots/pilots/{pilot_id}" in paths
    assert "/api/v1/participants/me" in paths
    assert "/scim/v2/Users" in paths and "/api/v1/participants/scim/v2/Users" not in paths
    assert "/api/v1/budget/readyz" not in paths and "/readyz" in paths
    summary = paths["/api/v1/budget/projects/{code}/summary"]["get"]
    assert summary["tags"] == ["budget: budget"]
    assert summary["operationId"].startswith("budget_")
    tags = {t["name"] for t in spec["tags"]}
    assert {"views", "budget: things", "pilots: pilots", "participants: scim"} <= tags
    assert spec["x-hanke-missing-services"] == []
    # Clashing schema names get the service's prefix, and every $ref resolves.
    schemas = spec["components"]["schemas"]
    assert set(schemas) >= {"BudgetProject", "PilotProject", "Problem", "SituationView", "MissingPart"}
    for ref in _refs(spec):
        _, _, ctype, name = ref.split("/", 3)
        assert name in spec["components"][ctype], ref
    operation_ids = [
        op["operationId"]
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))


def test_merge_renames_clashing_components_and_their_refs() -> None:
    own = {
        "info": {"title": "gw", "description": ""},
        "paths": {},
        "components": {"schemas": {"Problem": {"type": "object"}}},
    }

    def part(prop: str) -> dict[str, Any]:
        return {
            "paths": {
                "/projects": {
                    "get": {
                        "operationId": "list",
                        "responses": {
                            "200": {
                                "content": {
                                    "application/json": {"schema": {"$ref": "#/components/schemas/Page"}}
                                }
                            }
                        },
                    }
                }
            },
            "components": {
                "schemas": {
                    "Problem": {"type": "object"},
                    "Project": {"type": "object", "properties": {prop: {"type": "string"}}},
                    "Page": {
                        "type": "object",
                        "properties": {"items": {"items": {"$ref": "#/components/schemas/Project"}}},
                    },
                }
            },
        }

    doc = merge(own, {"budget": part("code"), "pilots": part("stage")}, {"participants": "refused"})
    schemas = doc["components"]["schemas"]
    assert set(schemas) == {"Problem", "BudgetProject", "PilotsProject", "BudgetPage", "PilotsPage"}
    assert (
        schemas["PilotsPage"]["properties"]["items"]["items"]["$ref"] == "#/components/schemas/PilotsProject"
    )
    # The titles (what a generated client names its classes by) follow the keys.
    assert {name: s.get("title") for name, s in schemas.items() if name != "Problem"} == {
        "BudgetProject": "BudgetProject",
        "PilotsProject": "PilotsProject",
        "BudgetPage": "BudgetPage",
        "PilotsPage": "PilotsPage",
    }
    ok = doc["paths"]["/api/v1/pilots/projects"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/PilotsPage"
    assert "participants (refused)" in doc["info"]["description"]
    assert doc["x-hanke-missing-services"] == ["participants"]


async def test_openapi_is_served_when_an_upstream_is_down(stubs: Stubs) -> None:
    port = free_port()
    urls = {name: s.url for name, s in stubs.items()} | {"pilots": f"http://127.0.0.1:{port}"}
    async with running(create_app(gateway_settings(urls))) as client:
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        spec = response.json()
        assert spec["x-hanke-missing-services"] == ["pilots"]
        assert "pilots" in spec["info"]["description"] and "Incomplete" in spec["info"]["description"]
        assert not any(p.startswith("/api/v1/pilots/") for p in spec["paths"])
        assert "/api/v1/budget/projects/{code}/summary" in spec["paths"]
        # The missing part is fetched again once the service is back.
        from tests.gateway.stubs import pilots_stub

        pilots = ServerThread(pilots_stub(), port=port).start()
        try:
            spec = (await client.get("/openapi.json")).json()
        finally:
            pilots.stop()
        assert spec["x-hanke-missing-services"] == []
        assert "/api/v1/pilots/pilots/{pilot_id}" in spec["paths"]
        docs = await client.get("/docs")
        assert docs.status_code == 200 and "/openapi.json" in docs.text


async def test_readyz_reports_each_upstream(stubs: Stubs) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    urls = {name: s.url for name, s in stubs.items()} | {"participants": dead}
    async with running(create_app(gateway_settings(urls))) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200  # the gateway still serves; views degrade
    # Without a token: a status per upstream, and nothing that maps the internal network.
    for url in [*urls.values(), "127.0.0.1", "http://"]:
        assert url not in response.text
    checks = response.json()["checks"]
    assert checks["budget"]["status"] == "ok" and checks["pilots"]["upstream"] == "ready"
    assert checks["participants"]["status"] == "degraded"
    assert checks["participants"]["upstream"] == "unavailable"
