"""SCIM /Users as Microsoft Entra ID drives it: lookups, create, patch, deactivate, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCIM = {"Content-Type": "application/scim+json"}
Auth = Callable[..., dict[str, str]]


def entra_user(
    user_name: str = "Sanna.Jarvinen@kuopio.example", external_id: str = "100000"
) -> dict[str, Any]:
    """The shape Entra ID posts on create."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "externalId": external_id,
        "userName": user_name,
        "active": True,
        "displayName": "Sanna Järvinen",
        "title": "rakennustarkastaja",
        "emails": [{"primary": True, "type": "work", "value": "Sanna.Jarvinen@kuopio.example"}],
        "name": {"formatted": "Sanna Järvinen", "familyName": "Järvinen", "givenName": "Sanna"},
        "locale": "fi-FI",
        ENT: {"employeeNumber": external_id, "department": "Elinvoimapalvelut", "costCenter": "1950"},
    }


@pytest.fixture
def hr(auth: Auth) -> dict[str, str]:
    return {**auth("hr_sync", subject="entra-provisioning"), **SCIM}


async def create(client: httpx.AsyncClient, hr: dict[str, str], **kw: Any) -> dict[str, Any]:
    response = await client.post("/scim/v2/Users", json=entra_user(**kw), headers=hr)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_create_then_find_by_username_any_case_and_external_id(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    created = await create(client, hr)
    assert created["id"] and created["meta"]["resourceType"] == "User"
    assert created[ENT]["employeeNumber"] == "100000"
    assert created["emails"][0]["value"] == "sanna.jarvinen@kuopio.example"
    for flt in (
        'userName eq "sanna.jarvinen@kuopio.example"',
        'userName eq "SANNA.JARVINEN@KUOPIO.EXAMPLE"',
        'externalId eq "100000"',
        'externalId eq "100000" and userName eq "Sanna.Jarvinen@kuopio.example"',
        'emails[type eq "work"].value eq "sanna.jarvinen@kuopio.example"',
    ):
        response = await client.get("/scim/v2/Users", params={"filter": flt}, headers=hr)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/scim+json")
        body = response.json()
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
        assert body["totalResults"] == 1 and body["Resources"][0]["id"] == created["id"], flt


async def test_lookup_that_matches_nothing_is_an_empty_list_response(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    response = await client.get("/scim/v2/Users", params={"filter": 'userName eq "nobody@x"'}, headers=hr)
    assert response.status_code == 200
    assert response.json()["totalResults"] == 0 and response.json()["Resources"] == []


async def test_duplicate_username_in_other_case_is_409_uniqueness(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    await create(client, hr)
    response = await client.post(
        "/scim/v2/Users", json=entra_user("SANNA.jarvinen@kuopio.example", "other"), headers=hr
    )
    assert response.status_code == 409
    body = response.json()
    assert body["scimType"] == "uniqueness" and body["status"] == "409"
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    dup_ext = await client.post("/scim/v2/Users", json=entra_user("someone.else@kuopio.example"), headers=hr)
    assert dup_ext.status_code == 409 and dup_ext.json()["scimType"] == "uniqueness"


async def test_same_email_is_never_matched_silently(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    first = await create(client, hr)
    body = entra_user("s.jarvinen@kuopio.example", "100999")
    body[ENT]["employeeNumber"] = "100999"
    second = await client.post("/scim/v2/Users", json=body, headers=hr)
    assert second.status_code == 201 and second.json()["id"] != first["id"]


async def test_patch_capitalised_ops_string_false_and_no_path(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    user = await create(client, hr)
    boss = await create(client, hr, user_name="boss@kuopio.example", external_id="100001")
    url = f"/scim/v2/Users/{user['id']}"
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "title", "value": "johtava rakennustarkastaja"},
            {"op": "Add", "path": f"{ENT}:costCenter", "value": "2000"},
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "SANNA.J@kuopio.example"},
            {"op": "Replace", "path": "name.givenName", "value": "Sanni"},
            {"op": "Add", "value": {"displayName": "Sanni Järvinen", f"{ENT}:department": "Strategia"}},
            {"op": "Replace", "path": f"{ENT}:manager", "value": boss["id"]},
        ],
    }
    response = await client.patch(url, json=patch, headers=hr)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "johtava rakennustarkastaja"
    assert body[ENT]["costCenter"] == "2000" and body[ENT]["department"] == "Strategia"
    assert body[ENT]["manager"]["value"] == boss["id"]
    assert body[ENT]["manager"]["$ref"] == f"/scim/v2/Users/{boss['id']}"
    assert body["emails"][0]["value"] == "sanna.j@kuopio.example"
    assert body["name"]["givenName"] == "Sanni" and body["displayName"] == "Sanni Järvinen"
    assert body["meta"]["version"] == 'W/"2"'

    off = {"schemas": patch["schemas"], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    response = await client.patch(url, json=off, headers=hr)
    assert response.status_code == 200 and response.json()["active"] is False
    # inactive users stay readable, by id and by filter
    assert (await client.get(url, headers=hr)).json()["active"] is False
    found = await client.get("/scim/v2/Users", params={"filter": 'externalId eq "100000"'}, headers=hr)
    assert found.json()["totalResults"] == 1
    on = {"Operations": [{"op": "replace", "value": {"active": "True"}}]}
    assert (await client.patch(url, json=on, headers=hr)).json()["active"] is True


async def test_put_replaces_and_delete_is_soft(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    user = await create(client, hr)
    url = f"/scim/v2/Users/{user['id']}"
    body = entra_user()
    body["title"] = "arkkitehti"
    del body[ENT]
    response = await client.put(url, json=body, headers=hr)
    assert response.status_code == 200
    assert response.json()["title"] == "arkkitehti" and "employeeNumber" not in response.json().get(ENT, {})
    assert (await client.delete(url, headers=hr)).status_code == 204
    again = await client.get(url, headers=hr)
    assert again.status_code == 200 and again.json()["active"] is False


async def test_paging_start_index_and_count(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    for i in range(5):
        await create(client, hr, user_name=f"user{i}@kuopio.example", external_id=f"e{i}")
    page = (await client.get("/scim/v2/Users", params={"startIndex": 2, "count": 2}, headers=hr)).json()
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["userName"] for r in page["Resources"]] == ["user1@kuopio.example", "user2@kuopio.example"]
    count_only = (await client.get("/scim/v2/Users", params={"count": 0}, headers=hr)).json()
    assert count_only["totalResults"] == 5 and count_only["Resources"] == []


@pytest.mark.parametrize(
    ("flt", "scim_type"),
    [
        ('userName co "x"', "invalidFilter"),
        ('userName eq "a" or userName eq "b"', "invalidFilter"),
        ('nickName eq "x"', "invalidFilter"),
        ("userName eq", "invalidFilter"),
    ],
)
async def test_bad_filters_are_400_invalid_filter(
    client: httpx.AsyncClient, hr: dict[str, str], flt: str, scim_type: str
) -> None:
    response = await client.get("/scim/v2/Users", params={"filter": flt}, headers=hr)
    assert response.status_code == 400
    assert response.json()["scimType"] == scim_type


async def test_errors_are_scim_bodies(client: httpx.AsyncClient, hr: dict[str, str], auth: Auth) -> None:
    missing = await client.get("/scim/v2/Users/nope", headers=hr)
    assert missing.status_code == 404 and missing.json()["schemas"] == [
        "urn:ietf:params:scim:api:messages:2.0:Error"
    ]
    assert missing.headers["content-type"].startswith("application/scim+json")
    bad_active = entra_user()
    bad_active["active"] = "maybe"
    response = await client.post("/scim/v2/Users", json=bad_active, headers=hr)
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    no_name = entra_user()
    del no_name["userName"]
    assert (await client.post("/scim/v2/Users", json=no_name, headers=hr)).json()[
        "scimType"
    ] == "invalidValue"
    user = await create(client, hr)
    bad_op = {"Operations": [{"op": "Frobnicate", "path": "title", "value": "x"}]}
    assert (await client.patch(f"/scim/v2/Users/{user['id']}", json=bad_op, headers=hr)).status_code == 400
    forbidden = await client.get("/scim/v2/Users", headers=auth("admin"))
    assert forbidden.status_code == 403 and forbidden.json()["schemas"][0].endswith(":Error")
    assert (await client.get("/scim/v2/Users")).status_code == 401


async def test_hr_sync_reaches_nothing_else(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    assert (await client.get("/audit", headers=hr)).status_code == 403


async def test_discovery_endpoints(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    spc = (await client.get("/scim/v2/ServiceProviderConfig", headers=hr)).json()
    assert spc["patch"]["supported"] is True and spc["filter"]["supported"] is True
    types = (await client.get("/scim/v2/ResourceTypes", headers=hr)).json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = (await client.get("/scim/v2/Schemas", headers=hr)).json()
    assert ENT in {s["id"] for s in schemas["Resources"]}
    one = await client.get(f"/scim/v2/Schemas/{ENT}", headers=hr)
    assert one.status_code == 200 and one.json()["name"] == "EnterpriseUser"


async def test_writes_are_audited_and_reads_logged(
    client: httpx.AsyncClient, hr: dict[str, str], auth: Auth
) -> None:
    user = await create(client, hr)
    await client.get(f"/scim/v2/Users/{user['id']}", headers=hr)
    trail = (await client.get("/audit", params={"entity_id": user["id"]}, headers=auth("auditor"))).json()
    assert [e["action"] for e in trail["items"]] == ["scim.create"]
    log = (await client.get("/read-log", params={"person_id": user["id"]}, headers=auth("auditor"))).json()
    assert [e["reader"] for e in log["items"]] == ["entra-provisioning"]


async def test_enterprise_object_without_path_manager_removal_and_employee_number_filter(
    client: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    user = await create(client, hr)
    boss = (await create(client, hr, user_name="boss@kuopio.example", external_id="100001"))["id"]
    url = f"/scim/v2/Users/{user['id']}"
    patch = {
        "Operations": [
            {
                "op": "add",
                "value": {
                    ENT: {"manager": {"value": boss}, "division": "Kasvu"},
                    "name.familyName": "Uusi",
                },
            },
        ]
    }
    body = (await client.patch(url, json=patch, headers=hr)).json()
    assert body[ENT]["manager"]["value"] == boss and body[ENT]["division"] == "Kasvu"
    assert body["name"]["familyName"] == "Uusi"
    removed = {"Operations": [{"op": "remove", "path": f"{ENT}:manager"}, {"op": "remove", "path": "title"}]}
    body = (await client.patch(url, json=removed, headers=hr)).json()
    assert "manager" not in body[ENT] and "title" not in body
    found = await client.get(
        "/scim/v2/Users", params={"filter": f'{ENT}:employeeNumber eq "100000"'}, headers=hr
    )
    assert found.json()["totalResults"] == 1
    no_target = {"Operations": [{"op": "remove"}]}
    response = await client.patch(url, json=no_target, headers=hr)
    assert response.status_code == 400 and response.json()["scimType"] == "noTarget"


async def test_a_pseudonymised_person_is_gone_for_provisioning(
    client: httpx.AsyncClient, hr: dict[str, str], auth: Auth
) -> None:
    user = await create(client, hr)
    assert (
        await client.post(f"/people/{user['id']}/pseudonymise", json={}, headers=auth("admin"))
    ).status_code == 200
    assert (await client.get(f"/scim/v2/Users/{user['id']}", headers=hr)).status_code == 404
    listed = await client.get("/scim/v2/Users", params={"filter": 'externalId eq "100000"'}, headers=hr)
    assert listed.json()["totalResults"] == 0
    again = await client.post("/scim/v2/Users", json=entra_user(), headers=hr)
    assert again.status_code == 201 and again.json()["id"] != user["id"]
