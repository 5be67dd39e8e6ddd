"""SCIM /Groups (org units): members are added and removed one by one without touching others."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def hr(auth: Auth) -> dict[str, str]:
    return {**auth("hr_sync"), "Content-Type": "application/scim+json"}


async def users(client: httpx.AsyncClient, hr: dict[str, str], n: int) -> list[str]:
    ids = []
    for i in range(n):
        body = {"userName": f"u{i}@kuopio.example", "externalId": f"x{i}", "active": "True"}
        ids.append((await client.post("/scim/v2/Users", json=body, headers=hr)).json()["id"])
    return ids


async def test_group_lifecycle_like_entra(client: httpx.AsyncClient, hr: dict[str, str], auth: Auth) -> None:
    a, b, c = await users(client, hr, 3)
    created = await client.post(
        "/scim/v2/Groups",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Kirjasto",
            "externalId": "HE-KI",
            "members": [{"value": a}],
        },
        headers=hr,
    )
    assert created.status_code == 201, created.text
    gid = created.json()["id"]
    url = f"/scim/v2/Groups/{gid}"
    found = await client.get("/scim/v2/Groups", params={"filter": 'displayName eq "kirjasto"'}, headers=hr)
    assert found.json()["totalResults"] == 1
    add = {"Operations": [{"op": "Add", "path": "members", "value": [{"value": b}, {"value": c}]}]}
    assert (await client.patch(url, json=add, headers=hr)).status_code == 200
    members = {m["value"] for m in (await client.get(url, headers=hr)).json()["members"]}
    assert members == {a, b, c}

    remove_one = {"Operations": [{"op": "Remove", "path": f'members[value eq "{b}"]'}]}
    assert (await client.patch(url, json=remove_one, headers=hr)).status_code == 200
    rename = {"Operations": [{"op": "Replace", "value": {"displayName": "Kaupunginkirjasto"}}]}
    assert (await client.patch(url, json=rename, headers=hr)).status_code == 200
    group = (await client.get(url, headers=hr)).json()
    assert group["displayName"] == "Kaupunginkirjasto"
    assert {m["value"] for m in group["members"]} == {a, c}
    slim = (await client.get(url, params={"excludedAttributes": "members"}, headers=hr)).json()
    assert "members" not in slim
    log = (await client.get("/read-log", params={"person_id": c}, headers=auth("auditor"))).json()["items"]
    assert {e["purpose"] for e in log} == {"scim.group"}

    unknown = {"Operations": [{"op": "Add", "path": "members", "value": [{"value": "nobody"}]}]}
    response = await client.patch(url, json=unknown, headers=hr)
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    dup = await client.post("/scim/v2/Groups", json={"displayName": "X", "externalId": "HE-KI"}, headers=hr)
    assert dup.status_code == 409 and dup.json()["scimType"] == "uniqueness"


async def test_put_group_replaces_members(client: httpx.AsyncClient, hr: dict[str, str]) -> None:
    a, b = await users(client, hr, 2)
    gid = (
        await client.post("/scim/v2/Groups", json={"displayName": "G", "members": [{"value": a}]}, headers=hr)
    ).json()["id"]
    response = await client.put(
        f"/scim/v2/Groups/{gid}", json={"displayName": "G", "members": [{"value": b}]}, headers=hr
    )
    assert [m["value"] for m in response.json()["members"]] == [b]
    assert (await client.get("/scim/v2/Groups/none", headers=hr)).status_code == 404
