"""``GET /projects/{code}/situation?as_of=``: the picture as of a day (the interim evaluation's view)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.participants.helpers import close, make_people, reopen

Auth = Callable[..., dict[str, str]]
SELF = "kunta-itsearvio"
ITEMS = ["P1", "P2", "P3", "P4", "P5", "P6", "K1", "K2", "K3", "K4", "K5", "K6"]
CUT = "2021-01-01"  # one year after the IDK project's start


async def rounds(client: httpx.AsyncClient, auth: Auth, framework: str) -> dict[str, int]:
    all_rounds = (
        await client.get("/rounds", params={"project_code": "S21894"}, headers=auth("admin"))
    ).json()["items"]
    return {r["kind"]: r["id"] for r in all_rounds if r["framework_code"] == framework}


async def answer(client: httpx.AsyncClient, auth: Auth, round_id: int, person: str, value: int) -> None:
    body = {"person_id": person, "answers": [{"item_code": c, "value": value} for c in ITEMS]}
    response = await client.post(f"/rounds/{round_id}/answers", json=body, headers=auth("project_manager"))
    assert response.status_code == 200, response.text


async def situation(client: httpx.AsyncClient, auth: Auth, as_of: str | None = None) -> dict[str, Any]:
    params = {"as_of": as_of} if as_of else None
    response = await client.get("/projects/S21894/situation", params=params, headers=auth("steering"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_situation_as_of_cuts_enrolments_coaching_and_rounds(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    people = await make_people(client, auth, {"KO-VK": 12, "HE": 3, "KO-PO": 2})
    pm = auth("project_manager")
    a, d = people["KO-VK"][:2]
    b = people["HE"][0]
    c = people["KO-PO"][0]
    enrolments = [
        {"person_id": a, "start_date": "2020-06-01"},  # enrolled before the cut-off: counted
        {"person_id": b, "start_date": "2021-06-01"},  # enrolled after it: not counted
        {"person_id": c, "start_date": "2020-02-01", "end_date": "2020-10-31"},  # ended before it
        {"person_id": d},  # no start date: enrolled when recorded (now), after the cut-off
    ]
    for body in enrolments:
        created = await client.post("/champions", json={**body, "project_code": "S21894"}, headers=pm)
        assert created.status_code == 201, created.text
    events = {}
    for date, hours in (("2020-09-01", "3"), ("2021-02-01", "2")):
        event = await client.post(
            "/coaching-events",
            json={
                "project_code": "S21894",
                "kind": "coaching",
                "title": "Valmennus",
                "date": date,
                "hours": hours,
            },
            headers=pm,
        )
        assert event.status_code == 201, event.text
        events[date] = event.json()["id"]
    for date, attendees in (("2020-09-01", [a, c]), ("2021-02-01", [a, b])):
        added = await client.post(
            f"/coaching-events/{events[date]}/attendance", json={"person_ids": attendees}, headers=pm
        )
        assert added.status_code == 200, added.text

    r = await rounds(client, auth, SELF)
    maturity = await rounds(client, auth, "digital-maturity-5")
    for rid in (*r.values(), *maturity.values()):
        await reopen(client, auth, rid)
    for unit in ("KO-VK", "HE"):
        for pid in people[unit]:
            await answer(client, auth, r["baseline"], pid, 2)  # Baseline 2020: 1.3.-31.5.2020
            await answer(client, auth, r["interim"], pid, 4)  # Interim 2021: 1.3.-31.5.2021
    he_unit = next(
        u["id"] for u in (await client.get("/org-units", headers=pm)).json()["items"] if u["code"] == "HE"
    )
    for kind, value in (("baseline", 2), ("interim", 4)):
        saved = await client.post(
            f"/rounds/{maturity[kind]}/answers",
            json={"org_unit_id": he_unit, "answers": [{"item_code": "S1", "value": value}]},
            headers=pm,
        )
        assert saved.status_code == 200, saved.text
    for rid in (*r.values(), *maturity.values()):
        await close(client, auth, rid)

    now = await situation(client, auth)
    assert now["as_of"] is None
    assert now["champions_by_sector"] == [
        # coaching hours of groups under 10 people are never shown (here: 1 and 2 people coached)
        {"sector": "Hyvinvointi", "champions": 1, "coaching_hours": None},
        {"sector": "Kasvu", "champions": 3, "coaching_hours": None},
    ]
    assert {(c["round"], c["sector"]) for c in now["competence"] if c["framework"] == SELF} == {
        ("Baseline 2020", "Kasvu"),
        ("Baseline 2020", "Hyvinvointi"),
        ("Interim 2021", "Kasvu"),
        ("Interim 2021", "Hyvinvointi"),
    }
    change = {c["sector"]: c for c in now["competence_change"] if c["framework"] == SELF}
    assert change["Kasvu"]["latest_round"] == "Interim 2021" and change["Kasvu"]["change"] == 2.0
    assert [m["round"] for m in now["maturity_by_sector"]] == ["Baseline 2020", "Interim 2021"]

    then = await situation(client, auth, CUT)
    assert then["as_of"] == CUT
    # a counted (a), c ended before the cut-off; b and d came later; coaching up to the day only
    assert then["champions_by_sector"] == [{"sector": "Kasvu", "champions": 1, "coaching_hours": None}]
    competence = {(c["round"], c["sector"]): c for c in then["competence"] if c["framework"] == SELF}
    assert set(competence) == {("Baseline 2020", "Kasvu"), ("Baseline 2020", "Hyvinvointi")}
    assert competence[("Baseline 2020", "Kasvu")]["respondents"] == 12
    assert competence[("Baseline 2020", "Kasvu")]["mean"] == 2.0
    # the small-group rule still holds as of the day: 3 respondents are never shown
    small = competence[("Baseline 2020", "Hyvinvointi")]
    assert small["suppressed"] is True and small["respondents"] is None and small["mean"] is None
    change = {c["sector"]: c for c in then["competence_change"] if c["framework"] == SELF}
    assert change["Kasvu"]["baseline_round"] == "Baseline 2020" and change["Kasvu"]["latest_round"] is None
    assert change["Kasvu"]["change"] is None and change["Hyvinvointi"]["suppressed"] is True
    assert then["maturity_by_sector"] == [
        {
            "framework": "digital-maturity-5",
            "sector": "Hyvinvointi",
            "round": "Baseline 2020",
            "units": 1,
            "mean": 2.0,
        }
    ]
    text = str(then)
    assert all(pid not in text for ids in people.values() for pid in ids)

    # a round still open on the day is left out; on its closing day it counts
    open_round = await situation(client, auth, "2021-04-15")
    assert {c["round"] for c in open_round["competence"] if c["framework"] == SELF} == {"Baseline 2020"}
    assert open_round["champions_by_sector"] == [
        {"sector": "Hyvinvointi", "champions": 0, "coaching_hours": None},
        {"sector": "Kasvu", "champions": 1, "coaching_hours": None},
    ]
    closed = await situation(client, auth, "2021-05-31")
    change = {c["sector"]: c for c in closed["competence_change"] if c["framework"] == SELF}
    assert change["Kasvu"]["latest_round"] == "Interim 2021" and change["Kasvu"]["change"] == 2.0
    assert change["Hyvinvointi"]["suppressed"] is True and change["Hyvinvointi"]["change"] is None
    # on a champion's end day it still counts; on its start day too
    assert (await situation(client, auth, "2020-10-31"))["champions_by_sector"][0]["champions"] == 2
    assert (await situation(client, auth, "2020-02-01"))["champions_by_sector"] == [
        {"sector": "Kasvu", "champions": 1, "coaching_hours": None}
    ]
    before_start = await situation(client, auth, "2019-12-31")
    assert before_start["as_of"] == "2019-12-31"
    assert [before_start[k] for k in ("champions_by_sector", "competence", "competence_change")] == [
        [],
        [],
        [],
    ]
    assert before_start["maturity_by_sector"] == []


async def test_situation_as_of_must_be_a_date(client: httpx.AsyncClient, auth: Auth) -> None:
    for bad in ("2021-13-01", "yesterday"):
        response = await client.get(
            "/projects/S21894/situation", params={"as_of": bad}, headers=auth("steering")
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
    empty = await situation(client, auth, CUT)
    assert empty["as_of"] == CUT and empty["champions_by_sector"] == []
    assert (
        await client.get("/projects/S21894/situation", params={"as_of": CUT}, headers=auth("champion"))
    ).status_code == 403
