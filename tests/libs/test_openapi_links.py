"""hanke_libs.openapi_links: links from creates to items and from reads to writes, the required
If-Match with its syntax, decimal string patterns, and links renamed with their operations."""

from __future__ import annotations

import re
from typing import Any

from hanke_libs.openapi_links import (
    DECIMAL_PATTERN,
    IF_MATCH_PATTERN,
    add_links,
    finish_document,
    rename_link_targets,
)


def _op(op_id: str, code: str = "200", ref: str | None = None, **extra: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}} if ref else {}
    return {"operationId": op_id, "responses": {code: {"description": "ok", "content": content}}, **extra}


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": 'The ETag of your last GET of this resource (strong, e.g. "v3"). Required: without it 428, ...',
    "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]},
}


def document() -> dict[str, Any]:
    return {
        "paths": {
            "/projects/{code}/costs": {
                "post": _op("create_cost", "201", "Cost"),
                "get": _op("list_costs"),
            },
            "/projects/{code}/costs/{entry_id}": {
                "get": _op("read_cost", ref="Cost"),
                "patch": _op("patch_cost", parameters=[dict(IF_MATCH)]),
            },
            "/projects/{code}/costs/{entry_id}/notes/{note_id}": {"get": _op("read_note")},
        },
        "components": {
            "schemas": {
                "Cost": {
                    "properties": {
                        "id": {"type": "integer"},
                        "amount": {"anyOf": [{"type": "number"}, {"type": "string"}]},
                    }
                }
            }
        },
    }


def test_a_create_links_to_its_item_and_a_read_to_its_writes() -> None:
    doc = add_links(document())
    created = doc["paths"]["/projects/{code}/costs"]["post"]["responses"]["201"]["links"]
    assert set(created) == {"read_cost", "patch_cost"}  # not read_note: its note_id is unknown
    assert created["read_cost"]["parameters"] == {
        "path.code": "$request.path.code",
        "path.entry_id": "$response.body#/id",
    }
    read = doc["paths"]["/projects/{code}/costs/{entry_id}"]["get"]["responses"]["200"]["links"]
    assert list(read) == ["patch_cost"]
    assert read["patch_cost"]["parameters"]["header.If-Match"] == "$response.header.ETag"
    assert "links" not in doc["paths"]["/projects/{code}/costs"]["get"]["responses"]["200"]


def test_if_match_is_required_with_its_syntax_and_decimals_get_a_pattern() -> None:
    doc = finish_document(document())
    parameter = doc["paths"]["/projects/{code}/costs/{entry_id}"]["patch"]["parameters"][0]
    assert parameter["required"] is True
    pattern = re.compile(parameter["schema"]["pattern"])
    assert pattern.match('"v3"') and pattern.match('W/"a", "b"') and pattern.match("*")
    assert not pattern.match("v3") and not pattern.match('"a" "b"') and not pattern.match("")
    assert parameter["schema"]["pattern"] == IF_MATCH_PATTERN
    amount = doc["components"]["schemas"]["Cost"]["properties"]["amount"]["anyOf"][1]
    assert amount["pattern"] == DECIMAL_PATTERN
    decimal = re.compile(DECIMAL_PATTERN)
    assert (
        decimal.match("12.50") and decimal.match("-1e5") and not decimal.match("") and not decimal.match("x")
    )


def test_links_follow_renamed_operations() -> None:
    doc = add_links(document())
    rename_link_targets(doc["paths"], {"read_cost": "budget_read_cost"})
    created = doc["paths"]["/projects/{code}/costs"]["post"]["responses"]["201"]["links"]
    assert created["budget_read_cost"]["operationId"] == "budget_read_cost"
    assert created["patch_cost"]["operationId"] == "patch_cost"
