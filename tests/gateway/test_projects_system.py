"""Issue 13 done-when: a second funded project made in one call at the gateway exists in every
service, takes a pilot, a champion, a ledger entry and a claim, and the portfolio view shows both
projects with the figures of the rows made here; a failing later step leaves no project behind.
The real services behind the real gateway (tests/system.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hanke_libs.testing import MigratedDatabase
from tests.conftest import service_database
from tests.system import System, running_system

projects_budget_db = service_database("budget")
projects_pilots_db = service_database("pilots")
projects_participants_db = service_database("participants")
projects_reports_db = service_database("reports")
KUOPIO, SAVONIA, IDK = "0171450-7", "2629463-3", "S21894"
Y = dt.date.today().year
AS_OF = dt.date(Y + 1, 3, 1)


def new_project(code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": "Toinen hanke",
        "funder": "Pohjois-Savon ELY-keskus",
        "programme": "Uudistuva ja osaava Suomi 2021–2027",
        "period_start": f"{Y - 1}-01-01",
        "period_end": f"{Y + 1}-12-31",
        "cost_model": "actual",
        "implementers": [{"business_id": KUOPIO, "name": "Kuopion kaupunki", "role": "lead"}],
        "funding_sources": [
            {"code": "esr", "name": "ESR+", "kind": "esr", "share_percent": "80"},
            {"code": "own", "name": "Omarahoitus", "kind": "own", "share_percent": "20"},
        ],
        "own_funding_caps": [{"implementer": KUOPIO, "cap": "2000.00"}],
        "pilots_min": 1,
        "pilots_max": 4,
        "reporting_calendar": {
            "calendar_start": f"{Y - 1}-01-01",
            "calendar_end": f"{Y + 1}-12-31",
            "claim_period_months": 12,
            "claim_due_days": 30,
            "monitoring_period_months": 36,
            "monitoring_due_days": 45,
            "interim_after_months": 12,
            "final_due_days": 60,
        },
    }
    body.update(overrides)
    return body


@pytest.fixture
async def system(
    projects_budget_db: MigratedDatabase,
    projects_pilots_db: MigratedDatabase,
    projects_participants_db: MigratedDatabase,
    projects_reports_db: MigratedDatabase,
) -> AsyncIterator[System]:
    databases = {
        "budget": projects_budget_db,
        "pilots": projects_pilots_db,
        "participants": projects_participants_db,
        "reports": projects_reports_db,
    }
    async with running_system(databases) as system:
        yield system


def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201)), (response.request.url, response.text)
    return response.json() if response.content else None


async def _exists_everywhere(s: System, code: str, pm: dict[str, str]) -> list[int]:
    urls = (
        f"/api/v1/budget/projects/{code}",
        f"/api/v1/pilots/projects/{code}",
        f"/api/v1/reports/projects/{code}/calendar",
    )
    return [(await s.client.get(url, headers=pm)).status_code for url in urls]


async def _person(s: System, name: str) -> str:
    hr = {**s.auth("hr_sync"), "Content-Type": "application/scim+json"}
    mark = uuid.uuid4().hex[:8]
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"{name}.{mark}@kuopio.example",
        "externalId": f"8{mark}",
        "name": {"givenName": name.title(), "familyName": f"Henkilo{mark}"},
        "active": True,
    }
    person: str = ok(await s.client.post("/scim/v2/Users", json=user, headers=hr), 201)["id"]
    return person


async def _fill(s: System, code: str) -> dict[str, Any]:
    """A pilot, a champion, a budget version, a ledger entry and a submitted, paid claim."""
    c, pm, admin = s.client, s.auth("project_manager"), s.auth("admin")
    owner, person = await _person(s, "omistaja"), await _person(s, "kellokas")
    mark = uuid.uuid4().hex[:8]
    pilot = ok(
        await c.post(
            f"/api/v1/pilots/projects/{code}/pilots",
            json={"title": "Uusi palvelu", "owner_id": owner},
            headers=pm,
        )
    )
    enrol = {
        "person_id": person,
        "project_code": code,
        "start_date": f"{Y - 1}-02-01",
        "pilots": [{"pilot_id": pilot["id"], "start_date": f"{Y - 1}-02-01"}],
    }
    ok(await c.post("/api/v1/participants/champions", json=enrol, headers=pm), 201)
    b = f"/api/v1/budget/projects/{code}"
    lines = [
        {"implementer": KUOPIO, "year": Y - 1, "category": "purchased_services", "amount": "5000.00"},
        {"implementer": KUOPIO, "year": Y, "category": "staff", "amount": "3000.00"},
    ]
    ok(await c.post(f"{b}/versions", json={"kind": "applied", "reason": "Haku", "lines": lines}, headers=pm))
    cost = {
        "entry_date": f"{Y - 1}-02-10",
        "category": "purchased_services",
        "amount": "1000.00",
        "voucher_ref": f"T-{mark}",
        "description": "Palvelumuotoilu",
        "pilot_id": pilot["id"],
    }
    ok(await c.post(f"{b}/costs", json=cost, headers=s.auth("finance", implementer=KUOPIO)), 201)
    claim = ok(
        await c.post(
            f"{b}/claims",
            json={"period_start": f"{Y - 1}-01-01", "period_end": f"{Y - 1}-12-31"},
            headers=admin,
        ),
        201,
    )
    url = f"{b}/claims/{claim['number']}"
    for change in (
        {"status": "submitted"},
        {"status": "approved", "approved_amount": "750.00"},
        {"status": "paid"},
    ):
        etag = (await c.get(url, headers=admin)).headers["etag"]
        ok(await c.post(f"{url}/status", json=change, headers={**admin, "If-Match": etag}))
    return {"pilot": pilot, "claim": claim, "owner": owner, "champion": person}


async def test_second_project_in_one_call_and_the_portfolio(system: System) -> None:
    s, pm = system, system.auth("project_manager")
    code = "S30001"
    assert (
        await s.client.post("/api/v1/projects", json=new_project(code), headers=s.auth("finance"))
    ).status_code == 403
    assert await _exists_everywhere(s, code, pm) == [404, 404, 404]
    created = await s.client.post("/api/v1/projects", json=new_project(code), headers=pm)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/api/v1/budget/projects/{code}"
    body = created.json()
    assert body["budget"]["code"] == body["pilots"]["code"] == body["reports"]["project_code"] == code
    assert await _exists_everywhere(s, code, pm) == [200, 200, 200]
    again = await s.client.post("/api/v1/projects", json=new_project(code), headers=pm)
    assert again.status_code == 409 and again.json()["service"] == "budget"
    assert await _exists_everywhere(s, code, pm) == [200, 200, 200]  # the refused repeat undid nothing

    made = await _fill(s, code)
    # a project with data is not removed by the services' DELETE of an empty project
    gone = await s.client.delete(f"/api/v1/budget/projects/{code}", headers=pm)
    assert gone.status_code == 409 and gone.json()["type"].endswith("project-not-empty"), gone.text
    assert (await s.client.delete(f"/api/v1/pilots/projects/{code}", headers=pm)).status_code == 409

    view = await s.client.get("/api/v1/views/portfolio", params={"as_of": AS_OF.isoformat()}, headers=pm)
    assert view.status_code == 200, view.text
    page = view.json()
    assert page["missing"] == [] and page["total"] == 2 and page["next_offset"] is None
    by_code = {p["code"]: p for p in page["items"]}
    assert list(by_code) == [IDK, code]
    new = by_code[code]
    assert (new["status"], new["period_start"], new["implementers"]) == (
        "running",
        f"{Y - 1}-01-01",
        [KUOPIO],
    )
    # planned 5000 + 3000; used: the one entry of 1000; ESR 80 % of it claimed, 750 approved and paid
    assert new["budget"]["planned_total"] == "8000.00" and new["budget"]["actual_eligible"] == "1000.00"
    assert new["budget"]["remaining"] == "7000.00" and new["budget"]["utilisation_percent"] == "12.50"
    assert new["budget"]["budget"]["number"] == 1
    assert new["esr"] == {"claimed": "800.00", "paid": "750.00", "claims_submitted": 1}
    cap = new["own_funding_caps"][0]
    assert (cap["cap"], cap["actual"], cap["remaining"], cap["status"]) == (
        "2000.00",
        "200.00",
        "1800.00",
        "within",
    )
    assert new["pilots_by_stage"]["idea"] == 1 and sum(new["pilots_by_stage"].values()) == 1
    assert new["champions"] == 1
    # claims yearly (due 30 days after), the interim evaluation 12 months in, monitoring once:
    # Y-1's claim is done (submitted), the interim (due Y-01-01) and Y's claim (due Y+1-01-30) are late
    assert new["calendar"] is True
    assert [(o["kind"], o["effective_due"]) for o in new["overdue"]] == [
        ("interim_evaluation", f"{Y}-01-01"),
        ("payment_claim", f"{Y + 1}-01-30"),
    ]
    assert (new["next_obligation"]["kind"], new["next_obligation"]["sequence"]) == ("payment_claim", 3)
    assert new["next_obligation"]["effective_due"] == f"{Y + 2}-01-30"
    idk = by_code[IDK]
    summary = ok(
        await s.client.get(
            f"/api/v1/budget/projects/{IDK}/summary", params={"as_of": AS_OF.isoformat()}, headers=pm
        )
    )
    assert idk["budget"]["planned_total"] == summary["planned_total"] and idk["status"] == "ended"

    filtered = ok(
        await s.client.get(
            "/api/v1/views/portfolio", params={"as_of": AS_OF.isoformat(), "status": "running"}, headers=pm
        )
    )
    assert [p["code"] for p in filtered["items"]] == [code]
    funder = ok(
        await s.client.get(
            "/api/v1/views/portfolio", params={"funder": "pohjois-savon ely-keskus"}, headers=pm
        )
    )
    assert [p["code"] for p in funder["items"]] == [code]
    savonia = ok(await s.client.get("/api/v1/views/portfolio", params={"implementer": SAVONIA}, headers=pm))
    assert [p["code"] for p in savonia["items"]] == [IDK]
    paged = ok(await s.client.get("/api/v1/views/portfolio", params={"limit": 1}, headers=pm))
    assert ([p["code"] for p in paged["items"]], paged["next_offset"], paged["total"]) == ([IDK], 1, 2)
    bad = await s.client.get("/api/v1/views/portfolio", params={"status": "asleep"}, headers=pm)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")

    # finance of Savonia: only the projects its organisation implements
    fin = ok(await s.client.get("/api/v1/views/portfolio", headers=s.auth("finance", implementer=SAVONIA)))
    assert [p["code"] for p in fin["items"]] == [IDK]
    # steering: aggregates; the claims are not theirs to read, so ESR is missing, not guessed
    steer = ok(
        await s.client.get(
            "/api/v1/views/portfolio", params={"as_of": AS_OF.isoformat()}, headers=s.auth("steering")
        )
    )
    steer_new = {p["code"]: p for p in steer["items"]}[code]
    assert steer_new["esr"] is None and steer_new["champions"] == 1
    assert made["owner"] not in str(steer) and made["champion"] not in str(steer)
    owner = system.auth("pilot_owner", subject=made["owner"])
    assert (await s.client.get("/api/v1/views/portfolio", headers=owner)).status_code == 403
    assert {(m["part"], m["service"]) for m in steer["missing"]} == {
        (f"{IDK}.claims", "budget"),
        (f"{code}.claims", "budget"),
    }


async def test_a_failing_later_step_leaves_no_project(system: System) -> None:
    s, pm = system, system.auth("project_manager")
    # every project view: a project no service knows is a 404 problem
    for path in ("situation", "interim-evaluation"):
        r = await s.client.get(f"/api/v1/views/projects/NOPE/{path}", headers=pm)
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # step 3 refuses (a calendar ending before it starts): the budget and pilots steps are undone
    bad = new_project("S30002")
    bad["reporting_calendar"] = {**bad["reporting_calendar"], "calendar_end": f"{Y - 2}-12-31"}
    refused = await s.client.post("/api/v1/projects", json=bad, headers=pm)
    assert refused.status_code == 422 and refused.json()["service"] == "reports", refused.text
    assert refused.json()["left_in"] == [] and "undone in pilots, budget" in refused.json()["detail"]
    assert await _exists_everywhere(s, "S30002", pm) == [404, 404, 404]
    # the same call, corrected, completes: nothing of the failed one is in the way
    assert (
        await s.client.post("/api/v1/projects", json=new_project("S30002"), headers=pm)
    ).status_code == 201

    # a pilots reference or calendar made earlier by hand: identical ones count as done, kept
    body = new_project("S30006")
    reference = {k: body[k] for k in ("code", "name", "period_start", "period_end")}
    ok(await s.client.post("/api/v1/pilots/projects", json=reference, headers=pm), 201)
    calendar = "/api/v1/reports/projects/S30006/calendar"
    ok(await s.client.put(calendar, json=body["reporting_calendar"], headers=pm))
    assert (await s.client.post("/api/v1/projects", json=body, headers=pm)).status_code == 201
    assert await _exists_everywhere(s, "S30006", pm) == [200, 200, 200]
    # a different reference with the code: 409 naming pilots, the budget step undone, theirs kept
    other = {**reference, "code": "S30007", "name": "Eri hanke"}
    ok(await s.client.post("/api/v1/pilots/projects", json=other, headers=pm), 201)
    clash = await s.client.post("/api/v1/projects", json=new_project("S30007"), headers=pm)
    assert clash.status_code == 409 and clash.json()["service"] == "pilots", clash.text
    assert await _exists_everywhere(s, "S30007", pm) == [404, 200, 404]

    # step 3's service down: 503 naming it, budget and pilots undone
    s.servers["reports"].stop()
    down = await s.client.post("/api/v1/projects", json=new_project("S30003"), headers=pm)
    assert down.status_code == 503 and down.json()["service"] == "reports", down.text
    assert down.headers["content-type"].startswith("application/problem+json")
    codes = [
        (await s.client.get(f"/api/v1/{svc}/projects/S30003", headers=pm)).status_code
        for svc in ("budget", "pilots")
    ]
    assert codes == [404, 404]
    # the portfolio answers without the reports service: its parts are null and listed as missing
    view = ok(await s.client.get("/api/v1/views/portfolio", headers=pm))
    assert [p["code"] for p in view["items"]] == [IDK, "S30002", "S30006"]
    assert all(p["calendar"] is None and p["budget"] is not None for p in view["items"])
    assert {(m["part"], m["service"]) for m in view["missing"]} == {
        (f"{c}.reporting", "reports") for c in (IDK, "S30002", "S30006")
    }
    # without a calendar the project needs no reports service
    plain = {k: v for k, v in new_project("S30004").items() if k != "reporting_calendar"}
    assert (await s.client.post("/api/v1/projects", json=plain, headers=pm)).status_code == 201

    # step 2's service down: 503 naming pilots, the budget step undone
    s.servers["pilots"].stop()
    down = await s.client.post("/api/v1/projects", json=new_project("S30005"), headers=pm)
    assert down.status_code == 503 and down.json()["service"] == "pilots", down.text
    assert "undone in budget" in down.json()["detail"]
    assert (await s.client.get("/api/v1/budget/projects/S30005", headers=pm)).status_code == 404
