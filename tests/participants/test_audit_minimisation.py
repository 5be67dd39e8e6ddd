"""The audit trail names changed personal fields without their values, so pseudonymisation leaves
nothing of the person in the append-only audit table."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from tests.participants.helpers import PEOPLE_HEADER, UNIT_HEADER

Auth = Callable[..., dict[str, str]]
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCIM = {"Content-Type": "application/scim+json"}
UNITS = "\r\n".join([UNIT_HEADER, "KO;Kaupunkiympäristö;;Kasvu;700001", "KO-PO;Palvelut;KO;Kasvu;"])
AINO = (
    "700001;Virtanen;Aino Maria;Aino;aino.virtanen@kuopio.example;hallintojohtaja;KO;Unit;1950;A;;1.3.2019;"
)
EERO = "700002;Korhonen;Eero;;eero.korhonen@kuopio.example;suunnittelija;KO-PO;Unit;1950;A;700001;2.3.2019;"
EERO_CHANGED = (
    "700002;Korhonen-Laine;Eero;;eero.korhonen-laine@kuopio.example;erikoissuunnittelija;KO-PO;Unit;1950;A;"
    "700001;2.3.2019;31.12.2020"
)
SECRETS = [
    "virtanen",
    "aino",
    "korhonen",
    "laine",
    "eero",
    "hallintojohtaja",
    "suunnittelija",
    "sanna",
    "järvinen",
    "jarvinen",
    "rakennustarkastaja",
    "elinvoimapalvelut",
    "ext-sj-42",
    "kuopio.example",
]
NUMBERS = ['"700001"', '"700002"', '"123456"', "2019-03-01", "2019-03-02", "2020-12-31"]


async def upload(client: httpx.AsyncClient, pm: dict[str, str], kind: str, text: str) -> dict[str, Any]:
    response = await client.post(
        f"/imports/hr/{kind}",
        files={"file": ("hr.csv", text.encode())},
        params={"dry_run": False},
        headers=pm,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def audit_rows(client: httpx.AsyncClient, auth: Auth) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/audit", params=params, headers=auth("auditor"))).json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return rows


async def test_person_audit_names_fields_without_personal_values(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    pm = auth("admin")
    await upload(client, pm, "org-units", UNITS)
    first = await upload(client, pm, "people", "\r\n".join([PEOPLE_HEADER, AINO, EERO]))
    assert first["created"] == 2
    written = len(await audit_rows(client, auth))
    again = await upload(client, pm, "people", "\r\n".join([PEOPLE_HEADER, AINO, EERO]))
    assert again["rows_written"] == 0 and again["unchanged"] == 2  # still idempotent
    assert len(await audit_rows(client, auth)) == written
    changed = await upload(client, pm, "people", "\r\n".join([PEOPLE_HEADER, AINO, EERO_CHANGED]))
    assert (
        changed["deactivated_employee_numbers"] == ["700002"] and changed["rows_written"] == 2
    )  # the person and its audit

    hr = {**auth("hr_sync", subject="entra-provisioning"), **SCIM}
    boss = await client.post(
        "/scim/v2/Users", json={"userName": "boss@kuopio.example", "active": True}, headers=hr
    )
    assert boss.status_code == 201, boss.text
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "externalId": "ext-sj-42",
        "userName": "Sanna.Jarvinen@kuopio.example",
        "active": True,
        "displayName": "Sanna Järvinen",
        "title": "rakennustarkastaja",
        "emails": [{"primary": True, "type": "work", "value": "Sanna.Jarvinen@kuopio.example"}],
        "name": {"familyName": "Järvinen", "givenName": "Sanna"},
        ENT: {
            "employeeNumber": "123456",
            "department": "Elinvoimapalvelut",
            "manager": {"value": boss.json()["id"]},
        },
    }
    created = await client.post("/scim/v2/Users", json=user, headers=hr)
    assert created.status_code == 201, created.text
    sanna = created.json()["id"]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "name.givenName", "value": "Sanna-Maria"}],
    }
    assert (await client.patch(f"/scim/v2/Users/{sanna}", json=patch, headers=hr)).status_code == 200
    assert (await client.delete(f"/scim/v2/Users/{sanna}", headers=hr)).status_code == 204

    people = (await client.get("/people", params={"limit": 10}, headers=pm)).json()["items"]
    ids = {p["employee_number"]: p["id"] for p in people}
    rows = await audit_rows(client, auth)
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_entity.setdefault(row["entity_id"], []).append(row)
    eero = by_entity[ids["700002"]]
    assert [r["action"] for r in eero] == ["hr_import.create", "hr_import.update"]
    assert eero[0]["changes"]["given_name"] == eero[0]["changes"]["employee_number"] == "<changed>" and eero[
        0
    ]["changes"]["active"] == [None, True]
    org = eero[0]["changes"]["org_unit_id"][1]
    assert org is not None and eero[0]["changes"]["manager_id"] == "<changed>"
    assert eero[1]["changes"] == {
        "active": [True, False],
        "display_name": "<changed>",
        "email": "<changed>",
        "employment_end": "<changed>",
        "family_name": "<changed>",
        "title": "<changed>",
    }
    scim = by_entity[sanna]
    assert [r["action"] for r in scim] == ["scim.create", "scim.update", "scim.deactivate"]
    assert scim[1]["changes"] == {"given_name": "<changed>"}
    assert scim[2]["changes"] == {"active": [True, False]}
    assert {"user_name", "email", "external_id", "employee_number"} <= set(scim[0]["changes"])
    ko = next(r for r in rows if r["entity_type"] == "org_unit" and r["changes"].get("code") != "KO-PO")
    assert ko["changes"]["manager_employee_number"] == "<changed>"

    for person in (ids["700001"], ids["700002"], sanna):
        done = await client.post(f"/people/{person}/pseudonymise", json={"reason": "erasure"}, headers=pm)
        assert done.status_code == 200, done.text
    rows = await audit_rows(client, auth)
    assert sum(r["action"] == "pseudonymise" for r in rows) == 3
    for row in rows:
        text = json.dumps(row, ensure_ascii=False).lower()
        assert not [s for s in SECRETS if s in text], row
        changes = json.dumps(row["changes"])
        assert not [n for n in NUMBERS if n in changes], row
