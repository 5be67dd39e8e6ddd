"""Steering gets aggregates and objects with no person reference and no person-written text, in
every JSON answer and every CSV/XLSX export of the pilots service (issue 9)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from openpyxl import load_workbook

from hanke_libs.db import standalone_database
from hanke_libs.testing import running
from pilots.config import Settings
from pilots.main import create_app
from pilots.seed import seed
from pilots.seed_data import EVALUATION_ANSWERS, PILOTS, pilot_id
from tests.pilots.conftest import wire
from tests.pilots.participants_stub import ParticipantsStub

Auth = Callable[..., dict[str, str]]
PERSON_IDS = [
    "sample-owner-1",
    "sample-owner-2",
    "sample-owner-3",
    "sample-owner-4",
    "sample-project-manager",
]
WRITTEN = [
    PILOTS[0]["need"],
    PILOTS[0]["what_happened"],
    PILOTS[0]["posts"][0][1],
    EVALUATION_ANSWERS["evaluated.evidence"],
    "Vastausaika puolittui",
    "Kahden palvelualueen henkilöstö",
]


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


async def _every_get(client: httpx.AsyncClient, admin: dict[str, str]) -> list[str]:
    """Every GET route of the app with its path filled in from the seeded data."""
    pid = pilot_id(1)
    ind = (await client.get(f"/pilots/{pid}/indicators", headers=admin)).json()["items"][0]["id"]
    measurement = (await client.get(f"/pilots/{pid}/measurements", headers=admin)).json()["items"][0]["id"]
    post = (await client.get(f"/pilots/{pid}/timeline", headers=admin)).json()["items"][0]["id"]
    decision = (await client.get(f"/pilots/{pid}/decisions", headers=admin)).json()["items"][1]["id"]
    question = (await client.get("/reflection-questions", headers=admin)).json()["items"][0]["id"]
    answered = [
        r
        for r in (await client.get(f"/pilots/{pid}/reflections", headers=admin)).json()["items"]
        if r["answered"]
    ]
    establishment = (await client.get("/projects/S21894/establishments", headers=admin)).json()["items"][0][
        "id"
    ]
    values = {
        "pilot_id": pid,
        "code": "S21894",
        "indicator_id": ind,
        "measurement_id": measurement,
        "post_id": post,
        "decision_id": decision,
        "sector_code": "konsernipalvelut",
        "question_id": answered[0]["question_id"],
        "establishment_id": establishment,
    }
    assert question
    spec = (await client.get("/openapi.json")).json()
    urls = []
    for path, item in spec["paths"].items():
        if "get" not in item or path in ("/livez", "/readyz", "/audit"):
            continue
        url = path
        for key, value in values.items():
            url = url.replace("{" + key + "}", value)
        assert "{" not in url, path
        urls.append(url)
    return urls


async def test_steering_sees_no_person_and_no_written_text_anywhere(
    seeded: httpx.AsyncClient, auth: Auth
) -> None:
    admin, steering = auth("admin"), auth("steering")
    urls = await _every_get(seeded, admin)
    assert len(urls) >= 30
    seen_by_admin = ""
    for url in urls:
        as_admin = await seeded.get(url, headers=admin, params={"limit": 200})
        assert as_admin.status_code == 200, (url, as_admin.text)
        seen_by_admin += as_admin.text
        as_steering = await seeded.get(url, headers=steering, params={"limit": 200})
        assert as_steering.status_code == 200, (url, as_steering.text)
        for needle in (*PERSON_IDS, *WRITTEN):
            assert needle not in as_steering.text, (url, needle)
        for fmt in ("csv", "xlsx"):
            if not url.endswith("/export"):
                continue
            exported = await seeded.get(url, headers=steering, params={"format": fmt})
            assert exported.status_code == 200, (url, fmt)
            text = exported.content.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(exported.content)
            for needle in (*PERSON_IDS, *WRITTEN):
                assert needle not in text, (url, fmt, needle)
            for column in (
                "owner_id",
                "author_id",
                "actor",
                "decided_by",
                "answered_by",
                "reasoning",
                "answer",
                "narrative",
            ):
                assert f"{column};" not in text.splitlines()[0] + ";" if fmt == "csv" else True, (url, column)
    # the data is there: the admin sees what steering does not
    for needle in (
        "sample-owner-1",
        "sample-project-manager",
        PILOTS[0]["need"],
        EVALUATION_ANSWERS["evaluated.evidence"],
    ):
        assert needle in seen_by_admin, needle


def _xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        ";".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


async def test_portfolio_csv_has_no_owner_column_for_steering(seeded: httpx.AsyncClient, auth: Auth) -> None:
    header = (await seeded.get("/projects/S21894/portfolio/export", headers=auth("steering"))).content.decode(
        "utf-8-sig"
    )
    assert header.splitlines()[0].split(";") == [
        "id",
        "title",
        "stage",
        "counts_toward_rule",
        "not_counted_reason",
        "sectors",
        "success_rating",
        "latest_decision",
    ]
    admin = (await seeded.get("/projects/S21894/portfolio/export", headers=auth("admin"))).content.decode(
        "utf-8-sig"
    )
    assert "owner_id" in admin.splitlines()[0]
