"""Champions (kellokkaat), pilots' champions, coaching events, attendance, totals, /me."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.participants.conftest import OWNER, PILOT
from tests.participants.helpers import make_people

Auth = Callable[..., dict[str, str]]


async def test_enrolment_pilots_and_visibility(client: httpx.AsyncClient, auth: Auth) -> None:
    people = await make_people(client, auth, {"KO-PO": 2, "HE": 1})
    pm = auth("project_manager")
    a, b = people["KO-PO"]
    body = {
        "person_id": a,
        "project_code": "S21894",
        "role": "kellokas",
        "start_date": "2020-09-01",
        "pilots": [{"pilot_id": PILOT, "role": "pilot champion"}],
    }
    created = await client.post("/champions", json=body, headers=pm)
    assert created.status_code == 201, created.text
    assert created.json()["pilots"][0]["pilot_id"] == PILOT
    assert (await client.post("/champions", json=body, headers=pm)).status_code == 409
    other = await client.post("/champions", json={"person_id": b, "project_code": "S21894"}, headers=pm)
    add = await client.post(f"/champions/{other.json()['id']}/pilots", json={"pilot_id": PILOT}, headers=pm)
    assert add.status_code == 201

    unknown = await client.post(
        "/champions", json={"person_id": "nobody", "project_code": "S21894"}, headers=pm
    )
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("/unknown-person")

    owner = (
        await client.get(f"/pilots/{PILOT}/champions", headers=auth("pilot_owner", subject=OWNER))
    ).json()
    assert owner["count"] == 2 and {c["person_id"] for c in owner["champions"]} == {a, b}
    steering = (await client.get(f"/pilots/{PILOT}/champions", headers=auth("steering"))).json()
    assert steering == {"pilot_id": PILOT, "as_of": None, "count": 2, "champions": None}
    assert (await client.get(f"/pilots/{PILOT}/champions", headers=auth("champion"))).status_code == 403
    assert (await client.post("/champions", json=body, headers=auth("pilot_owner"))).status_code == 403


async def test_inactive_person_is_refused(client: httpx.AsyncClient, auth: Auth) -> None:
    people = await make_people(client, auth, {"HE": 1}, end="1.1.2021")
    response = await client.post(
        "/champions", json={"person_id": people["HE"][0], "project_code": "S21894"}, headers=auth("admin")
    )
    assert response.status_code == 422 and response.json()["type"].endswith("/inactive-person")


async def test_coaching_attendance_totals_and_me(client: httpx.AsyncClient, auth: Auth) -> None:
    people = await make_people(client, auth, {"KO-PO": 2, "HE": 1})
    pm = auth("project_manager")
    a, b = people["KO-PO"]
    c = people["HE"][0]
    for pid in (a, c):
        await client.post(
            "/champions",
            json={"person_id": pid, "project_code": "S21894", "pilots": [{"pilot_id": PILOT}]},
            headers=pm,
        )
    workshop = await client.post(
        "/coaching-events",
        json={
            "project_code": "S21894",
            "kind": "workshop",
            "title": "Palvelumuotoilu",
            "date": "2021-02-03",
            "hours": "3.5",
            "provider_org": "Savonia",
            "provider_business_id": "2629463-3",
        },
        headers=pm,
    )
    assert workshop.status_code == 201 and workshop.json()["hours"] == "3.50"
    foresight = await client.post(
        "/coaching-events",
        json={
            "project_code": "S21894",
            "kind": "foresight",
            "title": "Ennakointi",
            "date": "2021-03-01",
            "hours": 2,
        },
        headers=pm,
    )
    bad = await client.post(
        "/coaching-events",
        json={"project_code": "S21894", "kind": "party", "title": "x", "date": "2021-03-01", "hours": 2},
        headers=pm,
    )
    assert bad.status_code == 422
    w, f = workshop.json()["id"], foresight.json()["id"]
    assert (
        await client.post(f"/coaching-events/{w}/attendance", json={"person_ids": [a, b, c]}, headers=pm)
    ).json() == {"added": 3}
    assert (
        await client.post(f"/coaching-events/{w}/attendance", json={"person_ids": [a]}, headers=pm)
    ).json() == {"added": 0}
    await client.post(
        f"/coaching-events/{f}/attendance", json={"person_ids": [a], "hours": "1.25"}, headers=pm
    )
    unknown = await client.post(f"/coaching-events/{f}/attendance", json={"person_ids": ["x"]}, headers=pm)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["name"] == "body.person_ids.0"

    by_champion = (
        await client.get("/projects/S21894/coaching-totals", params={"by": "champion"}, headers=pm)
    ).json()
    assert {t["key"]: t["hours"] for t in by_champion["groups"]} == {a: "4.75", b: "3.50", c: "3.50"}
    # groups of fewer than 10 people show nothing: one champion's hours never reach steering
    by_unit = (
        await client.get("/projects/S21894/coaching-totals", params={"by": "org_unit"}, headers=pm)
    ).json()
    assert {t["key"]: (t["suppressed"], t["hours"]) for t in by_unit["groups"]} == {
        "KO-PO": (True, None),
        "HE": (True, None),
    }
    by_sector = (await client.get("/projects/S21894/coaching-totals", headers=auth("steering"))).json()
    assert {t["key"]: t["hours"] for t in by_sector["groups"]} == {"Kasvu": None, "Hyvinvointi": None}
    assert by_sector["total"]["suppressed"] and by_sector["total"]["hours"] is None
    assert (
        await client.get(
            "/projects/S21894/coaching-totals", params={"by": "champion"}, headers=auth("steering")
        )
    ).status_code == 403
    events = (await client.get("/coaching-events", params={"project_code": "S21894"}, headers=pm)).json()
    assert [e["attendees"] for e in events["items"]] == [3, 1]

    mine = await client.get("/me", headers=auth("champion", subject="someone", person_id=a))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["person"]["id"] == a and body["coaching"]["total_hours"] == "4.75"
    assert [e["pilots"][0]["pilot_id"] for e in body["champion_enrolments"]] == [PILOT]
    by_name = await client.get("/me", headers=auth("champion", subject=f"p{500001}@kuopio.example"))
    assert by_name.json()["person"]["id"] == a
    assert (await client.get("/me", headers=auth("champion", subject="stranger"))).status_code == 404
    assert (await client.get("/me", headers=auth("hr_sync"))).status_code == 403

    situation = (await client.get("/projects/S21894/situation", headers=auth("steering"))).json()
    assert situation["champions_by_sector"] == [
        {"sector": "Hyvinvointi", "champions": 1, "coaching_hours": None},
        {"sector": "Kasvu", "champions": 1, "coaching_hours": None},
    ]
    # a champion reads only its own person record
    assert (await client.get(f"/people/{b}", headers=auth("champion", person_id=a))).status_code == 403
    assert (await client.get(f"/people/{a}", headers=auth("champion", person_id=a))).status_code == 200
    assert (await client.get("/people", headers=auth("champion", person_id=a))).status_code == 403
