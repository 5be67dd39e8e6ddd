"""Composed views: right for the stubs' data, concurrent, degrading with ``missing``, and without
personal data for the steering group."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from gateway.main import create_app
from hanke_libs.testing import bearer, running
from tests.gateway.conftest import gateway_settings
from tests.gateway.servers import ServerThread, free_port

Auth = Callable[..., dict[str, str]]
Stubs = dict[str, ServerThread]
PERSONAL = (
    "person-1",
    "person-2",
    "person-9",
    "Olli",
    "Ceci",
    "olli@kuopio.example",
    "owner_id",
    "person_id",
)


def _missing(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["part"]: m for m in body["missing"]}


async def test_situation_composes_three_services(client: httpx.AsyncClient, auth: Auth, stubs: Stubs) -> None:
    headers = auth("project_manager")
    response = await client.get("/api/v1/views/projects/S21894/situation", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["missing"] == []
    assert body["budget"]["utilisation"] == "0.25"
    assert body["pilots"]["by_stage"] == {"experiment": 1, "established": 1}
    assert body["participants"]["champions_reached"] == 4
    # The caller's token went to every service, which applies its own access rules.
    composed = ("budget", "pilots", "participants")
    assert all(stubs[n].app.state.calls[-1][2] == headers["Authorization"] for n in composed)


async def test_situation_is_concurrent(client: httpx.AsyncClient, auth: Auth, stubs: Stubs) -> None:
    stubs["budget"].app.state.slow["/projects/S21894/summary"] = 0.3
    stubs["pilots"].app.state.slow["/projects/S21894/portfolio"] = 0.3
    stubs["participants"].app.state.slow["/projects/S21894/situation"] = 0.3
    started = time.perf_counter()
    response = await client.get("/api/v1/views/projects/S21894/situation", headers=auth("admin"))
    elapsed = time.perf_counter() - started
    assert response.json()["missing"] == []
    assert 0.3 <= elapsed < 0.6  # one slow call's time, not three
    timing = dict(m.strip().split(";dur=") for m in response.headers["server-timing"].split(","))
    calls = [float(timing[p]) for p in ("budget", "pilots", "participants")]
    assert min(calls) >= 300 and float(timing["total"]) < sum(calls) / 2


async def test_situation_unknown_project_is_404(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/v1/views/projects/NOPE/situation", headers=auth("admin"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_situation_degrades_when_a_service_is_slow(
    client: httpx.AsyncClient, auth: Auth, stubs: Stubs
) -> None:
    stubs["pilots"].app.state.slow["/projects/S21894/portfolio"] = 1.5  # > upstream timeout of 1 s
    response = await client.get("/api/v1/views/projects/S21894/situation", headers=auth("admin"))
    assert response.status_code == 200
    body = response.json()
    assert body["pilots"] is None
    assert body["budget"]["utilisation"] == "0.25"
    missing = _missing(body)
    assert set(missing) == {"pilots"}
    assert missing["pilots"]["service"] == "pilots" and missing["pilots"]["reason"].startswith("timeout")


async def test_views_degrade_when_a_service_is_down(stubs: Stubs) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    urls = {name: s.url for name, s in stubs.items()} | {"participants": dead}
    settings = gateway_settings(urls)
    async with running(create_app(settings)) as client:
        headers = bearer(settings, "project_manager")
        body = (await client.get("/api/v1/views/projects/S21894/situation", headers=headers)).json()
        assert body["participants"] is None and body["budget"] is not None and body["pilots"] is not None
        assert _missing(body)["participants"]["reason"].startswith("unavailable")
        assert _missing(body)["participants"]["status"] == 503

        overview = await client.get("/api/v1/views/pilots/pilot-1/overview", headers=headers)
        assert overview.status_code == 200
        assert overview.json()["costs"]["total"] == "1234.50"
        assert set(_missing(overview.json())) == {"champions"}

        me = await client.get("/api/v1/views/me", headers=bearer(settings, "champion", subject="person-2"))
        assert me.status_code == 200
        assert me.json()["me"] is None and me.json()["pilots"] == []
        assert set(_missing(me.json())) == {"me"}


async def test_view_deadline_bounds_the_whole_view(stubs: Stubs) -> None:
    urls = {name: s.url for name, s in stubs.items()}
    settings = gateway_settings(urls, upstream_timeout_seconds=5.0, view_deadline_seconds=0.4)
    stubs["participants"].app.state.slow["/projects/S21894/situation"] = 2.0
    async with running(create_app(settings)) as client:
        started = time.perf_counter()
        response = await client.get(
            "/api/v1/views/projects/S21894/situation", headers=bearer(settings, "admin")
        )
        assert time.perf_counter() - started < 1.0
    assert response.status_code == 200
    assert _missing(response.json())["participants"]["reason"].startswith("deadline")


async def test_pilot_overview(client: httpx.AsyncClient, auth: Auth, stubs: Stubs) -> None:
    headers = auth("pilot_owner")  # one token: it must reach the upstream unchanged
    response = await client.get("/api/v1/views/pilots/pilot-1/overview", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["missing"] == [] and body["project_code"] == "S21894"
    assert body["pilot"]["stage"] == "experiment"
    assert body["champions"]["total"] == 1
    assert body["costs"]["total"] == "1234.50"
    assert ("GET", "/projects/S21894/costs/by-pilot/pilot-1", headers["Authorization"]) in stubs[
        "budget"
    ].app.state.calls


async def test_pilot_overview_unknown_pilot_is_404(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/v1/views/pilots/missing/overview", headers=auth("admin"))
    assert response.status_code == 404


async def test_pilot_overview_with_project_code_while_pilots_is_slow(
    client: httpx.AsyncClient, auth: Auth, stubs: Stubs
) -> None:
    stubs["pilots"].app.state.slow["/pilots/pilot-1"] = 1.5
    response = await client.get(
        "/api/v1/views/pilots/pilot-1/overview?project_code=S21894", headers=auth("admin")
    )
    body = response.json()
    assert body["pilot"] is None and body["costs"]["total"] == "1234.50"
    assert set(_missing(body)) == {"pilot"}


async def test_my_page(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/v1/views/me", headers=auth("champion", subject="person-2"))
    assert response.status_code == 200
    body = response.json()
    assert body["me"]["coaching"][0]["hours"] == "2.0"
    assert [p["id"] for p in body["pilots"]] == ["pilot-1", "pilot-2"]
    assert body["missing"] == []


async def test_interim_evaluation_is_the_reports_services_document(
    client: httpx.AsyncClient, auth: Auth, stubs: Stubs
) -> None:
    headers = auth("admin")
    response = await client.get(
        "/api/v1/views/projects/S21894/interim-evaluation?as_of=2021-01-01",
        headers={**headers, "Accept-Language": "en"},
    )
    assert response.status_code == 200 and response.json()["snapshot"]["report"]["as_of"] == "2021-01-01"
    assert response.json()["document"]["lang"] == "en"
    assert stubs["reports"].app.state.calls[-1][2] == headers["Authorization"]  # the caller's token went on
    pdf = await client.get(
        "/api/v1/views/projects/S21894/interim-evaluation", headers={**headers, "Accept": "application/pdf"}
    )
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (
        pdf.headers["content-disposition"].startswith("attachment")
        and pdf.headers["content-language"] == "fi"
    )
    also = await client.get("/api/v1/views/projects/S21894/interim-evaluation?format=pdf", headers=headers)
    assert also.content.startswith(b"%PDF")
    refused = await client.get(
        "/api/v1/views/projects/S21894/interim-evaluation", headers={**headers, "Accept": "image/png"}
    )
    assert refused.status_code == 406 and refused.headers["content-type"] == "application/problem+json"
    unknown = await client.get("/api/v1/views/projects/NOPE/interim-evaluation", headers=headers)
    assert unknown.status_code == 404


async def test_interim_evaluation_with_reports_down(stubs: Stubs) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = gateway_settings({name: s.url for name, s in stubs.items()} | {"reports": dead})
    async with running(create_app(settings)) as client:
        response = await client.get(
            "/api/v1/views/projects/S21894/interim-evaluation?as_of=2025-06-30",
            headers=bearer(settings, "admin"),
        )
    assert response.status_code == 503 and response.json()["service"] == "reports"


async def test_reports_feed_passes_without_a_token(client: httpx.AsyncClient, auth: Auth) -> None:
    feed = await client.get("/api/v1/reports/feeds/abcdefghijklmnopqrstuvwxyz/calendar.ics")
    assert feed.status_code == 200 and b"X-AUTH:None" in feed.content  # the reports service checks the URL
    assert (await client.get("/api/v1/reports/projects/S21894/calendar")).status_code == 401


async def test_steering_gets_no_personal_data(client: httpx.AsyncClient, auth: Auth) -> None:
    steering = auth("steering")
    for path in (
        "/api/v1/views/projects/S21894/situation",
        "/api/v1/views/pilots/pilot-1/overview",
        "/api/v1/views/projects/S21894/interim-evaluation",
        "/api/v1/views/me",
    ):
        response = await client.get(path, headers=steering)
        assert response.status_code == 200, path
        text = json.dumps(response.json())
        for personal in PERSONAL:
            assert personal not in text, (path, personal)
    overview = (await client.get("/api/v1/views/pilots/pilot-1/overview", headers=steering)).json()
    assert overview["pilot"]["name"] == "Pilot pilot-1"  # a pilot's name is not personal
    assert overview["champions"]["champions_count"] == 1 and overview["champions"]["total"] == 1
    situation = (await client.get("/api/v1/views/projects/S21894/situation", headers=steering)).json()
    assert situation["participants"]["champions_by_sector"][0]["champions"] == 4  # aggregates stay


async def test_project_manager_sees_names(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get(
        "/api/v1/views/pilots/pilot-1/overview", headers=auth("project_manager", "steering")
    )
    assert response.json()["pilot"]["owner"]["name"] == "Olli Omistaja"


async def test_view_input_is_validated(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/v1/views/projects/S2%2F..%2Fx/situation", headers=auth("admin"))
    assert response.status_code in (404, 422)
    bad_date = await client.get(
        "/api/v1/views/projects/S21894/interim-evaluation?as_of=yesterday", headers=auth("admin")
    )
    assert bad_date.status_code == 422


async def test_champion_sees_only_their_own_pilots(
    client: httpx.AsyncClient, auth: Auth, stubs: Stubs
) -> None:
    champion = auth("champion", subject="person-2")  # the stub enrols person-2 in pilot-1 and pilot-2
    own = await client.get("/api/v1/views/pilots/pilot-1/overview", headers=champion)
    assert own.status_code == 200 and own.json()["missing"] == []
    other = await client.get("/api/v1/views/pilots/pilot-9/overview", headers=champion)
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"
    owner = await client.get("/api/v1/views/pilots/pilot-9/overview", headers=auth("pilot_owner", "champion"))
    assert owner.status_code == 404  # a wider role reads any pilot: this one does not exist
