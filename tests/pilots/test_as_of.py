"""As of a day (issue 12 part 3): stages from the stage history, indicator values from measurements
up to the day, decisions made by then; the IDK seed differs between 2021-01-01 and 2021-12-31."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from hanke_libs.db import standalone_database
from hanke_libs.testing import running
from pilots.config import Settings
from pilots.main import create_app
from pilots.seed import seed
from pilots.seed_data import pilot_id
from tests.pilots.conftest import wire
from tests.pilots.participants_stub import ParticipantsStub

Auth = Callable[..., dict[str, str]]


@pytest.fixture
async def seeded(settings: Settings, participants: ParticipantsStub) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone_database(settings.resolved_database_url()) as db:
        await seed(db)
    app = create_app(settings)
    wire(app, participants, 5)
    async with running(app) as client:
        yield client
    for peer in app.state.peers.values() if app.state.peers else []:
        await peer.aclose()


async def test_portfolio_as_of_the_two_interim_dates(seeded: httpx.AsyncClient, auth: Auth) -> None:
    steering = auth("steering")
    early = (
        await seeded.get("/projects/S21894/portfolio", params={"as_of": "2021-01-01"}, headers=steering)
    ).json()
    late = (
        await seeded.get("/projects/S21894/portfolio", params={"as_of": "2021-12-31"}, headers=steering)
    ).json()
    now = (await seeded.get("/projects/S21894/portfolio", headers=steering)).json()
    assert early["as_of"] == "2021-01-01" and late["as_of"] == "2021-12-31" and now["as_of"] is None
    assert early["as_of_note"] and now["as_of_note"] is None
    assert {k: v for k, v in early["by_stage"].items() if v} == {"running": 2, "planned": 2}
    assert (early["active_count"], early["minimum_met"]) == (2, False)
    assert {k: v for k, v in late["by_stage"].items() if v} == {
        "evaluated": 1,
        "running": 3,
        "discontinued": 1,
    }
    assert (late["active_count"], late["minimum_met"]) == (4, True)
    assert len(early["pilots"]) == 4 and len(late["pilots"]) == 5  # the fifth pilot began in March 2021
    assert [(d["outcome"], d["decided_on"]) for d in early["decisions"]] == [
        ("approved", "2020-05-20"),
        ("approved", "2020-06-10"),
    ]
    late_evaluations = [(d["title"], d["outcome"]) for d in late["decisions"] if d["gate"] == "evaluation"]
    assert late_evaluations == [
        ("Kellokkaiden etävalmennus", "adjust_and_continue"),
        ("Yhteinen digitaalinen asiointipiste", "scale_up"),
    ]
    now_stages = {k: v for k, v in now["by_stage"].items() if v}
    assert now_stages == {"established": 1, "running": 2, "evaluated": 1, "discontinued": 1}
    assert {p["title"]: p["latest_decision"] for p in now["pilots"]}["Ikäihmisten digituki"] == "park"
    single = [p for p in now["pilots"] if p["title"] == "Asiakaspalvelun chatbot"][0]
    assert single["counts_toward_rule"] is False


async def test_pilot_read_and_list_as_of(seeded: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    front_desk = pilot_id(1)
    early = (await seeded.get(f"/pilots/{front_desk}", params={"as_of": "2021-01-01"}, headers=pm)).json()
    late = (await seeded.get(f"/pilots/{front_desk}", params={"as_of": "2021-12-31"}, headers=pm)).json()
    now = (await seeded.get(f"/pilots/{front_desk}", headers=pm)).json()
    assert (early["stage"], late["stage"], now["stage"]) == ("running", "evaluated", "established")
    assert early["as_of"] == "2021-01-01" and now["as_of"] is None
    e, la = early["indicators"][0], late["indicators"][0]
    assert (e["latest"]["measured_on"], e["latest"]["value"], e["progress_percent"], e["traffic_light"]) == (
        "2020-12-15",
        11,
        42.9,
        "yellow",
    )
    assert (la["latest"]["value"], la["progress_percent"], la["traffic_light"]) == (7.5, 92.9, "green")
    assert e["measurement_count"] == 2 and la["measurement_count"] == 5
    assert early["latest_decision"] is None and late["latest_decision"]["outcome"] == "scale_up"
    youth = pilot_id(5)
    missing = await seeded.get(f"/pilots/{youth}", params={"as_of": "2021-01-01"}, headers=pm)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/pilot-not-found-as-of")
    listed = (await seeded.get("/projects/S21894/pilots", params={"as_of": "2021-01-01"}, headers=pm)).json()
    assert listed["as_of"] == "2021-01-01" and listed["total"] == 4
    assert {p["title"]: p["stage"] for p in listed["items"]}["Ikäihmisten digituki"] == "planned"
    running = (
        await seeded.get(
            "/projects/S21894/pilots", params={"as_of": "2021-12-31", "stage": "running"}, headers=pm
        )
    ).json()
    assert sorted(p["title"] for p in running["items"]) == [
        "Ikäihmisten digituki",
        "Kellokkaiden etävalmennus",
        "Nuorten työllisyyspolku",
    ]


async def test_survey_values_as_of_keep_the_small_sample_rule(seeded: httpx.AsyncClient, auth: Auth) -> None:
    coaching = pilot_id(2)
    for headers, latest in ((auth("steering"), 4.5), (auth("project_manager"), 4.8)):
        read = (
            await seeded.get(f"/pilots/{coaching}", params={"as_of": "2021-12-31"}, headers=headers)
        ).json()
        assert (
            read["indicators"][0]["latest"]["value"] == latest
        )  # the 8-respondent value only for the manager


async def test_as_of_refuses_what_is_not_a_date(seeded: httpx.AsyncClient, auth: Auth) -> None:
    for bad in ("yesterday", "2021-13-01"):
        r = await seeded.get("/projects/S21894/portfolio", params={"as_of": bad}, headers=auth("steering"))
        assert r.status_code == 422, bad


async def test_a_late_entry_may_predate_its_creation(client: httpx.AsyncClient, auth: Auth) -> None:
    """A pilot that began on paper in 2020, entered now as running: as of 2021-01-01 it was running."""
    from tests.pilots.helpers import READY_FOR_APPROVAL, add_indicator, create_pilot, decision, move

    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "On paper since 2020", **READY_FOR_APPROVAL)
    await add_indicator(client, pm, pilot["id"])
    early = await move(
        client,
        pm,
        pilot["id"],
        "running",
        late_entry=True,
        reason="began on paper",
        effective_on="2019-06-01",
        decision=decision(),
    )
    assert early.status_code == 422 and "before the project began" in early.json()["detail"]
    entered = await move(
        client,
        pm,
        pilot["id"],
        "running",
        late_entry=True,
        reason="began on paper in September 2020",
        effective_on="2020-09-01",
        decision=decision("Ohjausryhmä 3/2020, § 2"),
    )
    assert entered.status_code == 200, entered.text
    read = await client.get(f"/pilots/{pilot['id']}", params={"as_of": "2021-01-01"}, headers=pm)
    assert read.json()["stage"] == "running"
    history = (await client.get(f"/pilots/{pilot['id']}/history", headers=pm)).json()["items"]
    assert [(h["to_stage"], h["effective_on"]) for h in history] == [
        ("idea", "2020-09-01"),
        ("running", "2020-09-01"),
    ]
    trail = (await client.get("/audit", params={"entity_id": pilot["id"]}, headers=auth("auditor"))).json()[
        "items"
    ]
    assert [e["changes"] for e in trail if e["action"] == "backdate"][0]["created_effective_on"][
        1
    ] == "2020-09-01"
    again = await move(client, pm, pilot["id"], "planned", reason="wrong", effective_on="2020-08-01")
    assert again.status_code == 422  # only the first move after creation may go back in time
