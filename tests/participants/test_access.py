"""Object rules of the participants service as the wrong owner: the owner of another pilot, a champion
of another pilot, another person, steering; cross-service references checked when written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx

from tests.participants.conftest import FOREIGN_PILOT, OTHER_OWNER, OTHER_PILOT, OWNER, PILOT, PilotsStub
from tests.participants.helpers import make_people

Auth = Callable[..., dict[str, str]]


async def enrol(
    client: httpx.AsyncClient, auth: Auth, person: str, *pilots: str, **extra: Any
) -> httpx.Response:
    body = {
        "person_id": person,
        "project_code": "S21894",
        "pilots": [{"pilot_id": p} for p in pilots],
        **extra,
    }
    return await client.post("/champions", json=body, headers=auth("project_manager"))


async def test_pilot_champions_only_for_own_pilot_and_co_champions(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    people = await make_people(client, auth, {"KO-PO": 3})
    a, b, c = people["KO-PO"]
    assert (await enrol(client, auth, a, PILOT)).status_code == 201
    assert (await enrol(client, auth, b, PILOT)).status_code == 201
    assert (await enrol(client, auth, c, OTHER_PILOT)).status_code == 201
    url = f"/pilots/{PILOT}/champions"

    owner = await client.get(url, headers=auth("pilot_owner", subject=OWNER))
    assert owner.status_code == 200 and {x["person_id"] for x in owner.json()["champions"]} == {a, b}
    # the owner of another pilot sees no names, titles or units of this pilot's champions
    other_owner = await client.get(url, headers=auth("pilot_owner", subject=OTHER_OWNER))
    assert other_owner.status_code == 403 and a not in other_owner.text
    # a champion sees its co-champions; a champion of another pilot does not
    co = await client.get(url, headers=auth("champion", person_id=a))
    assert co.status_code == 200 and {x["person_id"] for x in co.json()["champions"]} == {a, b}
    assert all(x["display_name"] for x in co.json()["champions"])
    assert (await client.get(url, headers=auth("champion", person_id=c))).status_code == 403
    # steering: the count, nobody named
    steering = (await client.get(url, headers=auth("steering"))).json()
    assert steering["count"] == 2 and steering["champions"] is None and a not in str(steering)
    # finance and the auditor are not in the pilot's team
    assert (await client.get(url, headers=auth("finance", implementer="0171450-7"))).status_code == 403


async def test_an_ended_enrolment_stops_co_champion_access(client: httpx.AsyncClient, auth: Auth) -> None:
    people = await make_people(client, auth, {"KO-PO": 2})
    a, b = people["KO-PO"]
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert (
        await enrol(client, auth, a, PILOT, start_date="2020-01-01", end_date=yesterday)
    ).status_code == 201
    assert (await enrol(client, auth, b, PILOT)).status_code == 201
    assert (
        await client.get(f"/pilots/{PILOT}/champions", headers=auth("champion", person_id=a))
    ).status_code == 403
    then = await client.get(
        f"/pilots/{PILOT}/champions",
        params={"as_of": "2021-01-01"},
        headers=auth("pilot_owner", subject=OWNER),
    )
    assert then.json()["as_of"] == "2021-01-01" and [x["person_id"] for x in then.json()["champions"]] == [a]


async def test_me_enrolments_active_on_the_day(client: httpx.AsyncClient, auth: Auth) -> None:
    people = await make_people(client, auth, {"KO-PO": 1})
    (a,) = people["KO-PO"]
    body = {
        "person_id": a,
        "project_code": "S21894",
        "start_date": "2020-03-01",
        "pilots": [
            {"pilot_id": PILOT, "start_date": "2020-06-01"},
            {"pilot_id": OTHER_PILOT, "start_date": "2020-03-01", "end_date": "2020-12-31"},
        ],
    }
    assert (await client.post("/champions", json=body, headers=auth("project_manager"))).status_code == 201
    me = auth("champion", person_id=a)
    today = (await client.get("/me/enrolments", headers=me)).json()
    assert today["person_id"] == a and today["as_of"] == dt.date.today().isoformat()
    assert [p["pilot_id"] for p in today["pilots"]] == [PILOT] and today["projects"] == ["S21894"]
    then = (await client.get("/me/enrolments", params={"as_of": "2020-07-01"}, headers=me)).json()
    assert sorted(p["pilot_id"] for p in then["pilots"]) == sorted([PILOT, OTHER_PILOT])
    before = (await client.get("/me/enrolments", params={"as_of": "2020-02-01"}, headers=me)).json()
    assert before["pilots"] == [] and before["projects"] == []
    assert (await client.get("/me/enrolments", headers=auth("hr_sync"))).status_code == 403
    assert (await client.get("/me/enrolments", headers=auth("champion", subject="nobody"))).status_code == 404


async def test_person_reference_for_staff_without_personal_data(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    people = await make_people(client, auth, {"KO-PO": 1})
    (a,) = people["KO-PO"]
    for role in ("admin", "project_manager", "pilot_owner", "finance"):
        response = await client.get(f"/people/{a}/reference", headers=auth(role, implementer="0171450-7"))
        assert response.status_code == 200 and response.json() == {"id": a, "active": True}
    missing = await client.get("/people/nobody/reference", headers=auth("pilot_owner"))
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )
    for role in ("steering", "champion", "hr_sync", "auditor"):
        assert (await client.get(f"/people/{a}/reference", headers=auth(role))).status_code == 403


async def test_references_checked_when_written(
    client: httpx.AsyncClient, auth: Auth, pilots_stub: PilotsStub
) -> None:
    people = await make_people(client, auth, {"KO-PO": 1})
    (a,) = people["KO-PO"]
    pm = auth("project_manager")
    nope = await client.post(
        "/champions",
        json={"person_id": a, "project_code": "NOPE-999", "pilots": [{"pilot_id": "not-a-pilot"}]},
        headers=pm,
    )
    assert nope.status_code == 422 and nope.json()["errors"][0]["name"] == "body.project_code"
    bad_pilot = await enrol(client, auth, a, "not-a-pilot")
    assert bad_pilot.status_code == 422 and bad_pilot.json()["type"].endswith("/unknown-pilot")
    assert bad_pilot.json()["errors"][0]["name"] == "body.pilots.0.pilot_id"
    foreign = await enrol(client, auth, a, FOREIGN_PILOT)
    assert foreign.status_code == 422 and foreign.json()["type"].endswith("/pilot-of-another-project")
    created = await enrol(client, auth, a)
    assert created.status_code == 201
    assert created.headers["location"] == f"/api/v1/participants/champions/{created.json()['id']}"
    add = await client.post(
        f"/champions/{created.json()['id']}/pilots", json={"pilot_id": "not-a-pilot"}, headers=pm
    )
    assert add.status_code == 422
    event = await client.post(
        "/coaching-events",
        json={
            "project_code": "S21894",
            "kind": "coaching",
            "title": "x",
            "date": "2021-01-01",
            "hours": 1,
            "pilot_id": FOREIGN_PILOT,
        },
        headers=pm,
    )
    assert event.status_code == 422
    pilots_stub.down = True
    down = await enrol(client, auth, a, PILOT, project_code="OTHER-1")
    assert down.status_code == 503 and down.json()["type"].endswith("/peer-unavailable")
    assert (await client.get("/champions", headers=pm)).json()["total"] == 1  # nothing half-applied


async def test_steering_gets_no_person_ids(client: httpx.AsyncClient, auth: Auth) -> None:
    await make_people(client, auth, {"KO-PO": 1})
    units = "Yksikkökoodi;Nimi;Yläyksikkö;Toimiala;Esihenkilön henkilönumero\r\nKO-PO;Unit;KO;Kasvu;500001"
    response = await client.post(
        "/imports/hr/org-units",
        files={"file": ("u.csv", units.encode())},
        params={"dry_run": False},
        headers=auth("admin"),
    )
    assert response.status_code == 200, response.text
    manager = [
        u
        for u in (await client.get("/org-units", headers=auth("admin"))).json()["items"]
        if u["code"] == "KO-PO"
    ]
    assert manager[0]["manager_person_id"]
    steering = (await client.get("/org-units", headers=auth("steering"))).json()["items"]
    assert all(u["manager_person_id"] is None for u in steering)
    assert manager[0]["manager_person_id"] not in str(steering)


async def test_audit_of_answers_carries_no_values(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    from tests.participants.helpers import reopen

    people = await make_people(client, auth, {"KO-PO": 1})
    rounds = (await client.get("/rounds", params={"project_code": "S21894"}, headers=auth("admin"))).json()[
        "items"
    ]
    rid = next(r["id"] for r in rounds if r["framework_code"] == "digcomp-2.2" and r["kind"] == "baseline")
    await reopen(client, auth, rid)
    body = {"person_id": people["KO-PO"][0], "answers": [{"item_code": "1.1", "value": 7}]}
    assert (await client.post(f"/rounds/{rid}/answers", json=body, headers=auth("admin"))).status_code == 200
    entries = (await client.get("/audit", params={"limit": 200}, headers=auth("auditor"))).json()["items"]
    answers = [e for e in entries if e["action"] == "answers"]
    assert answers and answers[0]["changes"]["items_changed"] == ["1.1"]
    assert set(answers[0]["changes"]) == {"person_id", "org_unit_id", "items_changed"}  # no values
    reopened = [e for e in entries if e["action"] == "reopen"]
    assert reopened and reopened[0]["changes"]["reason"] == "test answers"
