"""The reporting calendar: IDK's obligations from its (sample) rules, statuses for a day from the
budget service's claims and this service's frozen versions, extensions and responsibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.reports.conftest import Auth


async def calendar(
    client: httpx.AsyncClient, auth: Auth, day: str, role: str = "project_manager"
) -> dict[str, Any]:
    response = await client.get("/projects/S21894/calendar", params={"date": day}, headers=auth(role))
    assert response.status_code == 200, response.text
    return response.json()


def by_key(body: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(o["kind"], o["sequence"]): o for o in body["obligations"]}


async def test_idk_obligations_and_their_dates(client: httpx.AsyncClient, auth: Auth) -> None:
    body = await calendar(client, auth, "2020-06-01")
    assert body["sample_data"] is True and body["calendar_start"] == "2020-01-01"
    ob = by_key(body)
    claims = [
        (o["period_start"], o["period_end"], o["due_date"])
        for k, o in sorted(ob.items())
        if k[0] == "payment_claim"
    ]
    assert claims == [
        ("2020-01-01", "2020-06-30", "2020-08-29"),
        ("2020-07-01", "2020-12-31", "2021-03-01"),
        ("2021-01-01", "2021-06-30", "2021-08-29"),
        ("2021-07-01", "2021-12-31", "2022-03-01"),
        ("2022-01-01", "2022-06-30", "2022-08-29"),
        ("2022-07-01", "2022-12-31", "2023-03-01"),
    ]
    assert len([k for k in ob if k[0] == "monitoring_report"]) == 3
    interim = ob[("interim_evaluation", 1)]
    assert interim["due_date"] == "2021-01-01" and interim["period_end"] == "2020-12-31"
    assert ob[("final_report", 1)]["due_date"] == "2023-04-30"
    assert all(
        o["status"] == "upcoming"
        for o in body["obligations"]
        if o["kind"] != "payment_claim" or o["sequence"] > 1
    )


async def test_statuses_for_a_day(client: httpx.AsyncClient, auth: Auth) -> None:
    early = by_key(await calendar(client, auth, "2020-12-20"))
    assert early[("interim_evaluation", 1)]["status"] == "due_soon"  # within 21 days of 1.1.2021
    assert early[("payment_claim", 1)]["status"] == "overdue"  # claim 1 was submitted later than this
    assert early[("payment_claim", 2)]["status"] == "upcoming"
    late = by_key(await calendar(client, auth, "2021-03-02"))
    assert late[("payment_claim", 2)]["status"] == "overdue" and late[("payment_claim", 2)]["days_left"] == -1
    assert late[("interim_evaluation", 1)]["status"] == "overdue"
    now = by_key(await calendar(client, auth, dt.date.today().isoformat()))
    first = now[("payment_claim", 1)]
    assert first["status"] == "done" and first["done_detail"].startswith(
        "payment claim 1 (submitted) submitted"
    )
    assert now[("payment_claim", 2)]["status"] == "overdue"
    assert "no payment claim covers" in now[("payment_claim", 2)]["done_detail"]
    # the steering group may not read claims in the budget service: the dates decide, and it says so
    steering = by_key(await calendar(client, auth, dt.date.today().isoformat(), role="steering"))
    assert steering[("payment_claim", 1)]["done_known"] is False
    assert steering[("payment_claim", 1)]["status"] == "overdue"
    reminders = await client.get(
        "/projects/S21894/reminders", params={"date": "2021-02-20"}, headers=auth("steering")
    )
    kinds = [(o["kind"], o["sequence"], o["status"]) for o in reminders.json()]
    assert kinds == [
        ("payment_claim", 1, "overdue"),
        ("interim_evaluation", 1, "overdue"),
        ("monitoring_report", 1, "due_soon"),
        ("payment_claim", 2, "due_soon"),
    ]


async def test_extension_and_responsible_person(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager", subject="person-pm")
    ob = by_key(await calendar(client, auth, "2021-03-02"))[("payment_claim", 2)]
    url = f"/obligations/{ob['id']}/extension"
    body = {"extended_to": "2021-03-31", "reason": "ELY-keskus myönsi lisäaikaa (sähköposti 15.2.2021)"}
    assert (await client.post(url, json=body, headers=pm)).status_code == 428
    assert (await client.post(url, json=body, headers={**pm, "If-Match": '"v99"'})).status_code == 412
    early = await client.post(
        url, json={**body, "extended_to": "2021-02-01"}, headers={**pm, "If-Match": f'"v{ob["version"]}"'}
    )
    assert early.status_code == 422 and early.json()["type"].endswith("/extension-not-later")
    assert (
        await client.post(url, json=body, headers={**auth("steering"), "If-Match": '"v1"'})
    ).status_code == 403
    done = await client.post(url, json=body, headers={**pm, "If-Match": f'"v{ob["version"]}"'})
    assert done.status_code == 200, done.text
    extended = done.json()
    assert extended["effective_due"] == "2021-03-31" and extended["due_date"] == "2021-03-01"
    assert by_key(await calendar(client, auth, "2021-03-02"))[("payment_claim", 2)]["status"] == "upcoming"
    assert by_key(await calendar(client, auth, "2021-03-10"))[("payment_claim", 2)]["status"] == "due_soon"
    who = await client.patch(
        f"/obligations/{ob['id']}",
        json={"responsible_role": "talouspäällikkö", "responsible_person_id": "person-42"},
        headers={**pm, "If-Match": done.headers["etag"]},
    )
    assert who.status_code == 200 and who.json()["responsible_person_id"] == "person-42"
    # new rules keep the extension and the responsible person of an obligation that stays
    cal = await client.get("/projects/S21894/calendar", headers=pm)
    rules = {k: v for k, v in cal.json().items() if k in RULES}
    put = await client.put(
        "/projects/S21894/calendar",
        json={**rules, "claim_due_days": 45},
        headers={**pm, "If-Match": cal.headers["etag"]},
    )
    assert put.status_code == 200, put.text
    again = by_key(put.json())[("payment_claim", 2)]
    assert again["due_date"] == "2021-02-14" and again["extended_to"] == "2021-03-31"
    assert again["responsible_person_id"] == "person-42"
    assert (await client.put("/projects/S21894/calendar", json=rules, headers=pm)).status_code == 428
    bad = await client.put(
        "/projects/S21894/calendar",
        json={**rules, "calendar_end": "2019-01-01"},
        headers={**pm, "If-Match": put.headers["etag"]},
    )
    assert bad.status_code == 422
    trail = (
        await client.get("/audit", params={"entity_type": "obligation"}, headers=auth("auditor"))
    ).json()["items"]
    assert [e["action"] for e in trail] == ["extend", "update"] and trail[0]["actor"] == "person-pm"


RULES = (
    "calendar_start",
    "calendar_end",
    "claim_period_months",
    "claim_due_days",
    "monitoring_period_months",
    "monitoring_due_days",
    "interim_after_months",
    "final_due_days",
    "due_soon_days",
    "responsible",
    "notify_to",
    "sample_data",
    "source_note",
)


async def test_unknown_project_and_bad_day(client: httpx.AsyncClient, auth: Auth) -> None:
    missing = await client.get("/projects/NOPE/calendar", headers=auth("admin"))
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert (
        await client.get("/projects/S21894/calendar", params={"date": "2021-13-01"}, headers=auth("admin"))
    ).status_code == 422
    assert (await client.get("/projects/S21894/calendar", headers=auth("champion"))).status_code == 403
