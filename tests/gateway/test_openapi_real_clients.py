"""Clients generated from the gateway's merged ``/openapi.json`` of the *real* system (every service
on its migrated, seeded database behind the real gateway, tests/system.py): ``openapi-python-client``
and ``openapi-typescript`` (+ ``tsc --strict``) run without a warning or a skipped operation, every
operation has a written summary and description, schema titles are unique, and the links the
services declare (hanke_libs.openapi_links) point at operations of the merged document.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hanke_libs.testing import MigratedDatabase
from tests.conftest import service_database
from tests.openapi_clients import (
    METHODS,
    NpmMissing,
    documentation_problems,
    python_client_problems,
    typescript_client_problems,
)
from tests.system import running_system

clients_budget_db = service_database("budget")
clients_pilots_db = service_database("pilots")
clients_participants_db = service_database("participants")
clients_reports_db = service_database("reports")


@pytest.fixture
async def document(
    clients_budget_db: MigratedDatabase,
    clients_pilots_db: MigratedDatabase,
    clients_participants_db: MigratedDatabase,
    clients_reports_db: MigratedDatabase,
) -> AsyncIterator[dict[str, Any]]:
    databases = {
        "budget": clients_budget_db,
        "pilots": clients_pilots_db,
        "participants": clients_participants_db,
        "reports": clients_reports_db,
    }
    async with running_system(databases) as system:
        answer = await system.client.get("/openapi.json")
        assert answer.status_code == 200
        merged: dict[str, Any] = answer.json()
        assert merged["x-hanke-missing-services"] == []
        yield merged


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in document["paths"].values() for m, op in item.items() if m in METHODS]


async def test_the_real_document_is_documented_and_linked(document: dict[str, Any]) -> None:
    prefixes = {p.split("/")[3] for p in document["paths"] if p.startswith("/api/v1/")}
    assert {"budget", "pilots", "participants", "reports", "views"} <= prefixes
    assert documentation_problems(document) == []
    ids = {op["operationId"] for op in _operations(document)}
    links = [
        link
        for op in _operations(document)
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) > 50
    assert [link["operationId"] for link in links if link["operationId"] not in ids] == []


async def test_the_real_document_gives_a_complete_python_client(document: dict[str, Any]) -> None:
    assert len(_operations(document)) > 150
    assert python_client_problems(document) == []


async def test_the_real_document_gives_complete_typescript_types(document: dict[str, Any]) -> None:
    try:
        problems = typescript_client_problems(document)
    except NpmMissing as exc:
        pytest.skip(str(exc))
    assert problems == []
