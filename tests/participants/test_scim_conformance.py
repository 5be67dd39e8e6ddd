"""SCIM conformance: the third-party checker ``scim2-tester`` against the server in process, and a test
for each SCIM defect found by hand (RFC 7643 / 7644)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from starlette.testclient import TestClient

from hanke_libs.testing import bearer
from participants.config import Settings
from participants.main import create_app

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM = {"Content-Type": "application/scim+json"}
Auth = Callable[..., dict[str, str]]
# The one deliberate deviation (documented in /ServiceProviderConfig's documentationUri and the README):
# DELETE /Users keeps the user, inactive, for ESR retention.
DEVIATIONS = {("User", "object_deletion")}


def test_third_party_conformance_checker(settings: Settings) -> None:
    app = create_app(settings)
    headers = bearer(settings, "hr_sync", subject="conformance")
    with TestClient(app, base_url="http://testserver/scim/v2", headers=headers) as http:
        results = check_server(SyncSCIMClient(http))
    failures = [
        (r.resource_type, r.title, r.reason)
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED) and (r.resource_type, r.title) not in DEVIATIONS
    ]
    assert failures == []
    passed = {(r.resource_type, r.title) for r in results if r.status == Status.SUCCESS}
    assert len(passed) >= 20  # discovery, CRUD, PATCH add/replace/remove, attributes, random URL
    deviations = [r for r in results if (r.resource_type, r.title) in DEVIATIONS]
    assert deviations and all(r.status == Status.ERROR for r in deviations)


@pytest.fixture
def hr(auth: Auth) -> dict[str, str]:
    return {**auth("hr_sync", subject="entra-provisioning"), **SCIM}


def user(user_name: str = "sanna@kuopio.example", **extra: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "userName": user_name,
        "active": True,
        "emails": [
            {"value": user_name, "type": "work", "primary": True},
            {"value": "sanna.home@example.org", "type": "home"},
        ],
        ENT: {"employeeNumber": "123"},
        **extra,
    }


def is_scim_error(response: httpx.Response, status: int) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/scim+json")
        and body["schemas"] == [ERROR]
        and body["status"] == str(status)
    )


async def test_schemas_declare_reference_types(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    schemas = (await client.get("/scim/v2/Schemas", headers=hr)).json()["Resources"]

    def refs(attributes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for a in attributes:
            if a["type"] == "reference":
                found.append(a)
            found += refs(a.get("subAttributes", []))
        return found

    references = [r for s in schemas for r in refs(s["attributes"])]
    assert len(references) >= 2 and all(r["referenceTypes"] == ["User"] for r in references)


async def test_attributes_and_excluded_attributes_on_one_resource(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    created = (await client.post("/scim/v2/Users", json=user(), headers=hr)).json()
    url = f"/scim/v2/Users/{created['id']}"
    only = (await client.get(url, params={"attributes": "userName"}, headers=hr)).json()
    assert set(only) == {"schemas", "id", "userName"}
    without = (await client.get(url, params={"excludedAttributes": "emails"}, headers=hr)).json()
    assert "emails" not in without and without["userName"] == "sanna@kuopio.example"
    bad = await client.get(url, params={"attributes": "user..name"}, headers=hr)
    assert is_scim_error(bad, 400)


async def test_enterprise_keys_are_never_core_attributes(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    body = user()
    body[ENT] = {"userName": "hijack", "employeeNumber": "123", "active": False}
    created = await client.post("/scim/v2/Users", json=body, headers=hr)
    assert created.status_code == 201 and created.json()["userName"] == "sanna@kuopio.example"
    assert created.json()["active"] is True


async def test_put_without_active_keeps_it_and_remove_active_is_refused(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    created = (await client.post("/scim/v2/Users", json=user(), headers=hr)).json()
    url = f"/scim/v2/Users/{created['id']}"
    off = {"Operations": [{"op": "replace", "path": "active", "value": "False"}]}
    assert (await client.patch(url, json=off, headers=hr)).json()["active"] is False
    body = user()
    del body["active"]
    put = await client.put(url, json=body, headers=hr)
    assert put.status_code == 200 and put.json()["active"] is False
    remove = await client.patch(url, json={"Operations": [{"op": "remove", "path": "active"}]}, headers=hr)
    assert is_scim_error(remove, 400) and remove.json()["scimType"] == "invalidValue"
    assert (await client.get(url, headers=hr)).json()["active"] is False


async def test_a_manager_must_exist(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = user()
    body[ENT] = {"manager": {"value": "no-such-user"}}
    response = await client.post("/scim/v2/Users", json=body, headers=hr)
    assert is_scim_error(response, 400) and "manager" in response.json()["detail"]


async def test_other_email_types_are_kept(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    created = (await client.post("/scim/v2/Users", json=user(), headers=hr)).json()
    assert [(e["value"], e.get("type")) for e in created["emails"]] == [
        ("sanna@kuopio.example", "work"),
        ("sanna.home@example.org", "home"),
    ]
    found = await client.get(
        "/scim/v2/Users", params={"filter": 'emails eq "sanna@kuopio.example"'}, headers=hr
    )
    assert found.json()["totalResults"] == 1


async def test_scim_errors_everywhere_under_scim(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    assert is_scim_error(await client.get("/scim/v2/Nothing", headers=hr), 404)
    assert is_scim_error(await client.post("/scim/v2/Bulk", json={}, headers=hr), 501)
    assert is_scim_error(await client.post("/scim/v2/.search", json={}, headers=hr), 501)
    assert is_scim_error(await client.delete("/scim/v2/Schemas", headers=hr), 405)
    assert is_scim_error(await client.get("/scim/v2/Users", headers={"Authorization": "Bearer x"}), 401)
    search = await client.post(
        "/scim/v2/Users/.search",
        json={"filter": 'userName eq "nobody"', "attributes": ["userName"]},
        headers=hr,
    )
    assert search.status_code == 200 and search.json()["totalResults"] == 0
    deep = "[" * 10_000 + "]" * 10_000
    nested = await client.post("/scim/v2/Users", content=deep.encode(), headers=hr)
    assert is_scim_error(nested, 400)


async def test_locations_come_from_configuration_not_the_host(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    created = await client.post("/scim/v2/Users", json=user(), headers={**hr, "Host": "evil.example"})
    location = created.json()["meta"]["location"]
    assert location == f"/scim/v2/Users/{created.json()['id']}"
    assert created.headers["location"] == location and "evil" not in json.dumps(created.json())
    config = (
        await client.get("/scim/v2/ServiceProviderConfig", headers={**hr, "Host": "evil.example"})
    ).json()
    assert config["documentationUri"] == "/scim/v2/Documentation"
    doc = await client.get("/scim/v2/Documentation", headers=hr)
    from participants.scim.deps import scim_base

    absolute = Settings(public_base_url="https://hanke.kuopio.example/api/v1/participants")
    assert scim_base(absolute) == "https://hanke.kuopio.example/scim/v2"
    assert scim_base(Settings(scim_public_base_url="https://idp-facing.example/scim/v2/")) == (
        "https://idp-facing.example/scim/v2"
    )
    assert "DELETE /Users/{id} does not delete" in doc.text


async def test_delete_deactivates_and_keeps_the_user(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    created = (await client.post("/scim/v2/Users", json=user(), headers=hr)).json()
    url = f"/scim/v2/Users/{created['id']}"
    assert (await client.delete(url, headers=hr)).status_code == 204
    kept = await client.get(url, headers=hr)
    assert kept.status_code == 200 and kept.json()["active"] is False
