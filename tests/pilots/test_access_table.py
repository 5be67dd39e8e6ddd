"""docs/access/pilots.md lists every route of the service, and its GET rows hold: each listed role
reads (200) on the seeded IDK data, each other role is refused (403)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

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
TABLE = Path(__file__).parents[2] / "docs" / "access" / "pilots.md"
ROLES = ["admin", "project_manager", "finance", "pilot_owner", "champion", "steering", "auditor", "hr_sync"]


def table() -> dict[tuple[str, str], str]:
    rows = {}
    for line in TABLE.read_text().splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 4 and parts[1] in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            rows[(parts[1], parts[2])] = parts[3]
    return rows


@pytest.fixture
async def seeded(settings: Settings, participants: ParticipantsStub) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone_database(settings.resolved_database_url()) as db:
        await seed(db)
    participants.enrol("champ-1", pilot_id(1))
    app = create_app(settings)
    wire(app, participants, 5)
    async with running(app) as client:
        yield client
    for peer in app.state.peers.values() if app.state.peers else []:
        await peer.aclose()


async def test_every_route_is_in_the_table(seeded: httpx.AsyncClient) -> None:
    spec = (await seeded.get("/openapi.json")).json()
    served = {
        (m.upper(), p)
        for p, item in spec["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    }
    docs = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
    docs |= {("GET", "/metrics")}  # served outside the schema, listed in the table
    assert served | docs == set(table())


async def test_get_rows_hold_for_every_role(seeded: httpx.AsyncClient, auth: Auth) -> None:
    admin = auth("admin")
    pid = pilot_id(1)
    ids = {
        "{pilot_id}": pid,
        "{code}": "S21894",
        "{sector_code}": "konsernipalvelut",
        "{indicator_id}": (await seeded.get(f"/pilots/{pid}/indicators", headers=admin)).json()["items"][0][
            "id"
        ],
        "{measurement_id}": (await seeded.get(f"/pilots/{pid}/measurements", headers=admin)).json()["items"][
            0
        ]["id"],
        "{post_id}": (await seeded.get(f"/pilots/{pid}/timeline", headers=admin)).json()["items"][0]["id"],
        "{decision_id}": (await seeded.get(f"/pilots/{pid}/decisions", headers=admin)).json()["items"][0][
            "id"
        ],
        "{question_id}": (await seeded.get("/reflection-questions", headers=admin)).json()["items"][0]["id"],
        "{establishment_id}": (await seeded.get("/projects/S21894/establishments", headers=admin)).json()[
            "items"
        ][0]["id"],
    }
    checked = 0
    for (method, path), roles in table().items():
        if method != "GET":
            continue
        url = path
        for key, value in ids.items():
            url = url.replace(key, value)
        if roles == "public":
            assert (await seeded.get(url)).status_code == 200, url
            continue
        allowed = set(ROLES) if roles == "any" else {r.strip() for r in roles.split(",")}
        for role in ROLES:
            headers = auth(
                role,
                subject="champ-1" if role == "champion" else f"{role}-1",
                implementer="0171450-7" if role == "finance" else None,
            )
            got = await seeded.get(url, headers=headers)
            expected = 200 if role in allowed else 403
            assert got.status_code == expected, (url, role, got.text[:200])
            checked += 1
    assert checked > 250
