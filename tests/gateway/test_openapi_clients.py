"""Generated clients from the gateway's document are complete: ``openapi-python-client`` and
``openapi-typescript`` run without a warning or a skipped operation, and every operation the
gateway owns (views, health, the SCIM description) has a written summary and description.

The services' operations are checked here through the stub services only (their shapes are the
services' own); tests/gateway/test_openapi_real_clients.py checks the real system's document.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.main import create_app
from gateway.openapi_merge import merge
from tests.openapi_clients import (
    NpmMissing,
    documentation_problems,
    python_client_problems,
    typescript_client_problems,
)

GATEWAY_OWNED = ("/api/v1/views/", "/scim/v2/", "/livez", "/readyz")


def _owned(path: str) -> bool:
    return path.startswith(GATEWAY_OWNED)


@pytest.fixture
async def merged(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    assert document["x-hanke-missing-services"] == []
    return document


def own_document() -> dict[str, Any]:
    from tests.gateway.conftest import gateway_settings

    dead = "http://127.0.0.1:9"
    app = create_app(gateway_settings({"budget": dead, "pilots": dead, "participants": dead}))
    return merge(app.openapi(), {}, {})


def test_the_gateways_own_operations_are_documented_and_generate_cleanly() -> None:
    document = own_document()
    assert {"/api/v1/views/me", "/livez", "/readyz"} <= set(document["paths"])
    assert documentation_problems(document) == []
    assert python_client_problems(document) == []


async def test_merged_stub_document_gives_complete_python_client(merged: dict[str, Any]) -> None:
    # Both stubs define a different ProjectPublic: each keeps a class of its own.
    schemas = merged["components"]["schemas"]
    assert {"BudgetProjectPublic", "PilotsProjectPublic"} <= set(schemas) and "ProjectPublic" not in schemas
    assert schemas["PilotsProjectPublic"]["title"] == "PilotsProjectPublic"
    assert list(merged["components"]["securitySchemes"]) == ["HTTPBearer"]
    assert python_client_problems(merged) == []
    assert documentation_problems(merged, include=_owned) == []
    scim = [p for p in merged["paths"] if p.startswith("/scim/v2/")]
    assert {"/scim/v2/Users", "/scim/v2/Users/{user_id}", "/scim/v2/Groups", "/scim/v2/Schemas"} <= set(scim)


async def test_merged_stub_document_gives_complete_typescript_types(merged: dict[str, Any]) -> None:
    try:
        problems = typescript_client_problems(merged)
    except NpmMissing as exc:
        pytest.skip(str(exc))
    assert problems == []


def test_the_checks_find_what_they_look_for() -> None:
    """The checks fail on a document with the defects they are for (they are not vacuous)."""
    document = own_document()
    me = document["paths"]["/api/v1/views/me"]["get"]
    me["summary"], me.pop("description")
    me["summary"] = "My Page"
    me["operationId"] = "my_page_api_v1_views_me_get"
    me["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Nope"}
    document["components"]["schemas"]["Copy"] = {**document["components"]["schemas"]["MyPage"]}
    document["components"]["securitySchemes"]["Other"] = {"type": "http", "scheme": "bearer"}
    found = documentation_problems(document)
    assert any("no description" in p for p in found)
    assert any("generated from the function name" in p for p in found)
    assert any("schema title 'MyPage'" in p for p in found)
    assert any("bearer security schemes" in p for p in found)
    assert any("/api/v1/views/me" in p for p in python_client_problems(document))
