"""Data protection: read log, right of access export, pseudonymisation keeping aggregates and ESR counts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from hanke_libs.db import standalone_database
from participants.config import Settings
from participants.seed import seed
from tests.participants.helpers import close, make_people, reopen

Auth = Callable[..., dict[str, str]]
ENTRY = {"gender": "male", "age_group": "25_54", "labour_status": "employed", "isced": "3-4"}


@pytest.fixture
async def seeded(settings: Settings) -> AsyncIterator[None]:
    async with standalone_database(settings.database_url) as db:
        await seed(db)
    yield


async def test_export_and_pseudonymisation(client: httpx.AsyncClient, auth: Auth, seeded: None) -> None:
    people = await make_people(client, auth, {"KO-VK": 10})
    ids = people["KO-VK"]
    target = ids[0]
    pm = auth("project_manager", subject="pm-user")
    rounds = (await client.get("/rounds", params={"project_code": "S21894"}, headers=pm)).json()["items"]
    baseline = next(
        r["id"] for r in rounds if r["framework_code"] == "digcomp-2.2" and r["kind"] == "baseline"
    )
    await reopen(client, auth, baseline)
    for pid in ids:
        body = {"person_id": pid, "answers": [{"item_code": "1.1", "value": 4 if pid == target else 2}]}
        assert (await client.post(f"/rounds/{baseline}/answers", json=body, headers=pm)).status_code == 200
    await close(client, auth, baseline)
    part = await client.post(
        "/esr/participations",
        headers=pm,
        json={"person_id": target, "project_code": "S21894", "entry_date": "2020-09-01", "entry": ENTRY},
    )
    assert part.status_code == 201
    await client.get(f"/people/{target}", headers=pm)

    me = auth("champion", person_id=target)
    export = await client.get("/me/export", headers=me)
    assert export.status_code == 200
    data = export.json()
    assert data["person"]["id"] == target and data["answers"][0]["value"] == 4
    assert data["esr_participations"][0]["entry"]["isced"] == "3-4"
    assert "pm-user" in {r["reader"] for r in data["read_log"]}
    assert (await client.get(f"/people/{target}/export", headers=auth("steering"))).status_code == 403

    before_aggr = (
        await client.get(f"/rounds/{baseline}/aggregates", params={"by": "all"}, headers=pm)
    ).json()
    before_esr = (await client.get("/esr/indicators.csv", params={"project_code": "S21894"}, headers=pm)).text
    assert (await client.post(f"/people/{target}/pseudonymise", json={}, headers=pm)).status_code == 403
    done = await client.post(
        f"/people/{target}/pseudonymise", json={"reason": "erasure"}, headers=auth("admin")
    )
    assert done.status_code == 200
    person = done.json()
    assert person["pseudonymised"] and not person["active"]
    assert person["family_name"] is None and person["email"] is None and person["employee_number"] is None
    assert person["display_name"] == "Pseudonymised"
    after_aggr = (await client.get(f"/rounds/{baseline}/aggregates", params={"by": "all"}, headers=pm)).json()
    assert after_aggr["groups"] == before_aggr["groups"] and after_aggr["groups"][0]["respondents"] == 10
    assert (
        await client.get("/esr/indicators.csv", params={"project_code": "S21894"}, headers=pm)
    ).text == before_esr
    assert (await client.get("/me", headers=me)).status_code == 404
    trail = (await client.get("/audit", params={"entity_id": target}, headers=auth("auditor"))).json()[
        "items"
    ]
    assert trail[-1]["action"] == "pseudonymise" and "Person" not in str(trail[-1]["changes"])

    log = (await client.get("/read-log", params={"person_id": target}, headers=auth("auditor"))).json()[
        "items"
    ]
    assert {"pm-user", "test-user"} <= {e["reader"] for e in log}
    assert (await client.get("/read-log", headers=auth("steering"))).status_code == 403


async def test_end_of_retention(client: httpx.AsyncClient, auth: Auth) -> None:
    await make_people(client, auth, {"HE": 2}, end="31.12.2020")
    done = await client.post(
        "/people/pseudonymise-ended", params={"ended_before": "2021-01-01"}, headers=auth("admin")
    )
    assert done.status_code == 200 and len(done.json()["pseudonymised"]) == 2
    again = await client.post(
        "/people/pseudonymise-ended", params={"ended_before": "2021-01-01"}, headers=auth("admin")
    )
    assert again.json()["pseudonymised"] == []
