"""The shape of the service: no route module holds a query, every operation is described, every list is
a page, every create answers 201 with a Location, every person field is marked personal."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx

import participants

ROOT = Path(participants.__file__).parent
LIBRARY_ROUTES = {"/livez", "/readyz", "/audit"}  # described by hanke_libs, not by this service
QUERY_CALLS = {"select", "exec", "execute", "get", "scalar", "scalars", "insert", "update", "delete"}


def route_modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if p.name.endswith("routes.py"))


def test_no_route_module_holds_a_query() -> None:
    offenders = []
    for path in route_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("sqlmodel", "sqlalchemy"):
                offenders.append(f"{path.relative_to(ROOT)} imports {node.module}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id == "session" and node.func.attr in QUERY_CALLS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} session.{node.func.attr}")
    assert len(route_modules()) >= 9 and offenders == []


async def test_every_operation_is_described_and_every_list_paged(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    missing, bare_lists, creates = [], [], []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path not in LIBRARY_ROUTES and not (operation.get("summary") and operation.get("description")):
                missing.append(f"{method.upper()} {path}")
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if schema.get("type") == "array":
                    bare_lists.append(f"{method.upper()} {path}")
                if method == "post" and status == "201":
                    creates.append(path)
    assert missing == [] and bare_lists == []
    assert set(creates) >= {"/champions", "/coaching-events", "/rounds", "/esr/participations"}


async def test_person_fields_are_marked_personal(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name, field in (
        ("OrgUnitPublic", "manager_person_id"),
        ("PilotChampion", "person_id"),
        ("PilotChampion", "display_name"),
        ("ChampionPublic", "person_id"),
    ):
        assert schemas[name]["properties"][field].get("x-personal-data") is True, (name, field)
