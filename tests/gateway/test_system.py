"""The whole system: the four real services (uvicorn in threads, real databases built by their
migrations and seeded, on SQLite and PostgreSQL) behind the gateway."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from hanke_libs.testing import MigratedDatabase
from pilots.seed_data import pilot_id as pilot_id_of_sample
from tests.conftest import service_database
from tests.openapi_clients import documentation_problems, python_client_problems
from tests.system import System, running_system

budget_database = service_database("budget")
pilots_database = service_database("pilots")
participants_database = service_database("participants")
reports_database = service_database("reports")
SERVICES = ("budget", "pilots", "participants", "reports")


@pytest.fixture
async def system(
    budget_database: MigratedDatabase,
    pilots_database: MigratedDatabase,
    participants_database: MigratedDatabase,
    reports_database: MigratedDatabase,
) -> AsyncIterator[System]:
    databases = {
        "budget": budget_database,
        "pilots": pilots_database,
        "participants": participants_database,
        "reports": reports_database,
    }
    slow = {"upstream_timeout_seconds": 30.0, "view_deadline_seconds": 30.0}
    async with running_system(databases, gateway_overrides=slow) as system:
        yield system


async def test_ready_and_one_openapi_for_all(system: System) -> None:
    ready = await system.client.get("/readyz")
    assert ready.status_code == 200
    assert all(ready.json()["checks"][s]["status"] == "ok" for s in SERVICES)
    spec = (await system.client.get("/openapi.json")).json()
    assert spec["x-hanke-missing-services"] == []
    paths = spec["paths"]
    for path in (
        "/api/v1/budget/projects/{code}/summary",
        "/api/v1/pilots/projects/{code}/portfolio",
        "/api/v1/pilots/pilots/{pilot_id}",
        "/api/v1/participants/audit",
        "/api/v1/views/projects/{code}/situation",
        "/api/v1/reports/projects/{code}/calendar",
        "/api/v1/reports/reports/{report_id}/versions/{number}",
    ):
        assert path in paths, path
    text = json.dumps(spec)
    for ctype, names in spec["components"].items():
        assert isinstance(names, dict), ctype
    refs = {part.split('"')[0] for part in text.split('"$ref": "')[1:]}
    for ref in refs:
        _, _, ctype, name = ref.split("/", 3)
        assert name in spec["components"][ctype], ref
    ids = [op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    # Generated clients from the real merged document are complete (no skipped operation, no
    # dropped response, one class per schema). The written summaries and descriptions of the
    # services' operations are the services' to add: then assert documentation_problems(spec) == []
    # here as well (tests/openapi_clients.py).
    assert python_client_problems(spec) == []
    assert [
        p for p in documentation_problems(spec) if "operationId" in p or "schema title" in p or "bearer" in p
    ] == []
    assert "/scim/v2/Users" in paths


async def test_proxy_and_views_on_seeded_data(system: System) -> None:
    client, admin = system.client, system.auth("admin", subject="person-admin")
    project = await client.get("/api/v1/budget/projects/S21894", headers=admin)
    assert project.status_code == 200 and project.headers["etag"]
    owner = await _provisioned(system, "200300", "Pekka Puro")
    unknown = await client.post(
        "/api/v1/pilots/projects/S21894/pilots",
        json={"title": "Digiavustaja", "owner_id": "person-7"},
        headers=admin,
    )
    assert (
        unknown.status_code == 422 and unknown.json()["errors"][0]["name"] == "body.owner_id"
    )  # checked with participants
    created = await client.post(
        "/api/v1/pilots/projects/S21894/pilots",
        json={"title": "Digiavustaja", "owner_id": owner},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    pilot_id = created.json()["id"]
    assert created.headers["location"] == f"/api/v1/pilots/pilots/{pilot_id}"
    assert (await client.get(created.headers["location"], headers=admin)).json()["title"] == "Digiavustaja"

    situation = await client.get("/api/v1/views/projects/S21894/situation", headers=admin)
    assert situation.status_code == 200
    body = situation.json()
    assert body["budget"]["project"]["code"] == "S21894"
    assert body["pilots"]["project_code"] == "S21894"
    assert pilot_id in [p["id"] for p in body["pilots"]["pilots"]]  # beside the IDK sample pilots
    assert {m["part"] for m in body["missing"]} <= {"participants"}

    overview = (await client.get(f"/api/v1/views/pilots/{pilot_id}/overview", headers=admin)).json()
    assert overview["pilot"]["title"] == "Digiavustaja" and overview["project_code"] == "S21894"
    assert overview["costs"]["total"] == "0.00"
    ledger = overview["costs"]["ledger"]  # a link the front end can follow through the gateway
    assert ledger.startswith("/api/v1/budget/projects/S21894/costs")
    assert (await client.get(ledger, headers=admin)).status_code == 200
    assert {m["part"] for m in overview["missing"]} <= {"champions"}

    interim = (await client.get("/api/v1/views/projects/S21894/interim-evaluation", headers=admin)).json()
    start = body["budget"]["project"]["period_start"]
    snapshot = interim["snapshot"]
    assert snapshot["report"]["as_of"] == f"{int(start[:4]) + 1}{start[4:]}"
    assert snapshot["sources"]["budget.utilisation"]["as_of_stated"] == snapshot["report"]["as_of"]
    # as of 2021-01-01 the new pilot did not exist yet; the sample front desk ran then
    assert f"pilots.indicators.{pilot_id_of_sample(1)}" in snapshot["sources"] and snapshot["missing"] == []

    steering = await client.get("/api/v1/views/projects/S21894/situation", headers=system.auth("steering"))
    assert steering.status_code == 200
    assert owner not in steering.text and "sample-owner" not in steering.text


async def _provisioned(system: System, number: str, name: str) -> str:
    """A person provisioned by SCIM through the gateway; their person id."""
    given, family = name.split()
    user = await system.client.post(
        "/scim/v2/Users",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": number,
            "userName": f"{given.lower()}.{family.lower()}@kuopio.example",
            "active": True,
            "displayName": name,
            "name": {"familyName": family, "givenName": given},
        },
        headers={**system.auth("hr_sync", subject="entra"), "Content-Type": "application/scim+json"},
    )
    assert user.status_code == 201, user.text
    return str(user.json()["id"])


async def test_service_stopped_mid_test(system: System) -> None:
    client, admin = system.client, system.auth("admin")
    assert (await client.get("/api/v1/pilots/projects/S21894/portfolio", headers=admin)).status_code == 200
    system.servers["pilots"].stop()
    down = await client.get("/api/v1/pilots/projects/S21894/portfolio", headers=admin)
    assert down.status_code == 503 and down.json()["service"] == "pilots"
    situation = (await client.get("/api/v1/views/projects/S21894/situation", headers=admin)).json()
    assert situation["pilots"] is None and situation["budget"]["project"]["code"] == "S21894"
    assert any(m["part"] == "pilots" and m["reason"].startswith("unavailable") for m in situation["missing"])
    ready = (await client.get("/readyz")).json()
    assert ready["checks"]["pilots"]["status"] == "degraded" and ready["checks"]["budget"]["status"] == "ok"
    spec = (await client.get("/openapi.json")).json()  # cached part still served
    assert "/api/v1/budget/projects/{code}/summary" in spec["paths"]


async def test_people_champions_and_my_page(system: System) -> None:
    """A person provisioned by SCIM through the gateway, enrolled as a pilot's champion: my page and
    the pilot overview show them; the steering group sees counts, no names or ids."""
    client, admin = system.client, system.auth("admin", subject="person-admin")
    scim_headers = {**system.auth("hr_sync", subject="entra"), "Content-Type": "application/scim+json"}
    user = await client.post(
        "/scim/v2/Users",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": "100200",
            "userName": "liisa.laine@kuopio.example",
            "active": True,
            "displayName": "Liisa Laine",
            "name": {"familyName": "Laine", "givenName": "Liisa"},
        },
        headers=scim_headers,
    )
    assert user.status_code == 201, user.text
    person_id = user.json()["id"]
    # Through the gateway the links name the gateway's path, not the service's address.
    assert user.headers["location"] == f"/scim/v2/Users/{person_id}"
    assert user.json()["meta"]["location"] == f"/scim/v2/Users/{person_id}"
    pilot = await client.post(
        "/api/v1/pilots/projects/S21894/pilots",
        json={"title": "Kotihoidon etäkäynnit", "owner_id": person_id},
        headers=admin,
    )
    assert pilot.status_code == 201, pilot.text
    pilot_id = pilot.json()["id"]
    champion = await client.post(
        "/api/v1/participants/champions",
        json={"person_id": person_id, "project_code": "S21894", "pilots": [{"pilot_id": pilot_id}]},
        headers=admin,
    )
    assert champion.status_code == 201, champion.text

    me = await client.get("/api/v1/views/me", headers=system.auth("champion", subject=person_id))
    assert me.status_code == 200
    body = me.json()
    assert body["missing"] == [], body["missing"]
    assert body["me"]["person"]["display_name"] == "Liisa Laine"
    assert [p["id"] for p in body["pilots"]] == [pilot_id]

    overview = (await client.get(f"/api/v1/views/pilots/{pilot_id}/overview", headers=admin)).json()
    assert overview["missing"] == [], overview["missing"]
    assert "Liisa Laine" in json.dumps(overview["champions"])

    steering = await client.get(f"/api/v1/views/pilots/{pilot_id}/overview", headers=system.auth("steering"))
    assert steering.status_code == 200
    for personal in ("Liisa", "Laine", person_id, "person-admin"):
        assert personal not in steering.text, personal
    assert steering.json()["pilot"]["title"] == "Kotihoidon etäkäynnit"


async def test_my_page_of_a_pilot_owner_on_the_real_services(system: System) -> None:
    """The pilots a person owns are on their page (the pilots service's owner filter, project by project)."""
    admin = system.auth("admin", subject="person-admin")
    owner = await _provisioned(system, "77077", "Olli Omistaja")
    created = await system.client.post(
        "/api/v1/pilots/projects/S21894/pilots",
        json={"title": "Omaishoitajien chat", "owner_id": owner},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    me = await system.client.get("/api/v1/views/me", headers=system.auth("pilot_owner", subject=owner))
    assert me.status_code == 200
    body = me.json()
    assert body["owned_pilot_ids"] == [created.json()["id"]]
    assert [(p["id"], p["my_relation"]) for p in body["pilots"]] == [(created.json()["id"], ["owner"])]
    unknown = await system.client.get("/api/v1/views/projects/NOPE/situation", headers=admin)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


async def test_reports_through_the_gateway(system: System) -> None:
    """Freeze, show, compare and export a version through the gateway; the calendar and its feed."""
    client, pm = system.client, system.auth("project_manager", subject="person-pm")
    made = await client.post(
        "/api/v1/reports/projects/S21894/reports", json={"kind": "interim_evaluation"}, headers=pm
    )
    assert made.status_code == 201, made.text
    assert made.headers["location"] == f"/api/v1/reports/reports/{made.json()['id']}"
    versions = made.json()["links"]["versions"]
    for _ in range(2):
        assert (await client.post(versions, headers=pm)).status_code == 201
    pdf = await client.get(versions + "/1", headers={**pm, "Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = await client.get(versions + "/2?format=docx&lang=en", headers=pm)
    assert docx.status_code == 200 and docx.headers["content-disposition"].endswith('-en.docx"')
    diff = await client.get(versions + "/compare?a=1&b=2", headers=system.auth("steering"))
    assert diff.status_code == 200 and diff.json()["changed"] == []
    calendar = (
        await client.get("/api/v1/reports/projects/S21894/calendar?date=2021-01-15", headers=pm)
    ).json()
    interim = next(o for o in calendar["obligations"] if o["kind"] == "interim_evaluation")
    assert interim["status"] == "overdue"  # the versions were frozen today, after the due date
    feed = (await client.post("/api/v1/reports/projects/S21894/calendar/feed-token", headers=pm)).json()[
        "feed_url"
    ]
    path = feed.split("8000", 1)[-1] if "8000" in feed else feed[feed.index("/api/") :]
    ics = await client.get(path)  # no token: calendar clients cannot send one
    assert ics.status_code == 200 and b"BEGIN:VCALENDAR" in ics.content
