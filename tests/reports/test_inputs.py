"""Input the contract suite found reaching a 500 or read differently by a client: each a 4xx problem
naming the field, and nothing changed."""

from __future__ import annotations

import httpx

from tests.reports.conftest import Auth
from tests.reports.test_calendar import RULES, by_key, calendar


async def test_version_numbers_are_bounded(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    huge = await client.get("/reports/1/versions/compare", params={"a": 16787126955608, "b": 1}, headers=pm)
    assert huge.status_code == 422 and huge.json()["errors"][0]["name"] == "query.a", huge.text
    one = await client.get("/reports/1/versions/9223372036854775808", headers=pm)
    assert one.status_code == 422, one.text


async def test_extension_reason_without_control_characters(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    ob = by_key(await calendar(client, auth, "2021-03-02"))[("payment_claim", 2)]
    url = f"/obligations/{ob['id']}/extension"
    body = {"extended_to": "7874-01-18", "reason": "Lisäaika\u0000 myönnetty"}
    bad = await client.post(url, json=body, headers={**pm, "If-Match": f'"v{ob["version"]}"'})
    assert bad.status_code == 422 and bad.json()["errors"][0]["name"] == "body.reason", bad.text
    after = by_key(await calendar(client, auth, "2021-03-02"))[("payment_claim", 2)]
    assert after["version"] == ob["version"] and after["extended_to"] == ob["extended_to"]


async def test_notification_addresses_read_alike_by_python_and_clients(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    pm = auth("project_manager")
    cal = await client.get("/projects/S21894/calendar", headers=pm)
    rules = {k: v for k, v in cal.json().items() if k in RULES}
    # U+001C is a space to Python's \s but not to an ECMA regex: refused by both readings now
    for address in ("ops\u001c@kuopio.example", "ops@kuopio\u0085.example", "two words@kuopio.example"):
        bad = await client.put(
            "/projects/S21894/calendar",
            json={**rules, "notify_to": [address]},
            headers={**pm, "If-Match": cal.headers["etag"]},
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["name"] == "body.notify_to.0", bad.text
    good = await client.put(
        "/projects/S21894/calendar",
        json={**rules, "notify_to": ["hanketoimisto@kuopio.example"]},
        headers={**pm, "If-Match": cal.headers["etag"]},
    )
    assert good.status_code == 200, good.text


async def test_responsibility_without_control_characters(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    ob = by_key(await calendar(client, auth, "2021-03-02"))[("payment_claim", 3)]
    for field in ("responsible_role", "responsible_person_id"):
        bad = await client.patch(
            f"/obligations/{ob['id']}",
            json={field: "talous\u0000paallikko"},
            headers={**pm, "If-Match": f'"v{ob["version"]}"'},
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["name"] == f"body.{field}", bad.text
