"""The hot reads (ADR 0011) against the ORM paths they replaced, on both backends.

One champion (participants.champions.hot) against ``Champions.views`` of the locked row: the same
body for admin and project_manager, the same refusals for every other role and an unknown id. The
person read and the people list (participants.people.hot): an app with the read pool (on
PostgreSQL the one-statement path that also writes the read log) and one without (the session
path, ``People.read`` / ``People.page``) on the same database answer every caller with the same
status and body and write the same read-log rows. On PostgreSQL the read pool is opened, so the
asyncpg path is the one compared; on SQLite both apps run the session path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.problems import Forbidden, NotFound
from hanke_libs.testing import running
from participants.champions import hot
from participants.champions.repository import Champions
from participants.champions.schemas import ChampionPublic
from participants.config import Settings
from participants.main import create_app
from participants.models import PersonReadLog
from participants.people import hot as people_hot
from tests.participants.conftest import OTHER_PILOT, PILOT
from tests.participants.helpers import make_people

Auth = Callable[..., dict[str, str]]
ROLES = ["admin", "project_manager", "steering", "pilot_owner", "champion", "auditor", "finance"]


async def outcome(call: Any) -> tuple[str, Any]:
    try:
        view = await call
    except (NotFound, Forbidden) as problem:
        return type(problem).__name__, problem.status
    return "ok", ChampionPublic.model_validate(view).model_dump(mode="json")


async def orm_view(db: Database, principal: Principal, champion_id: str) -> dict[str, Any]:
    async with db.write_session() as session:
        champions = Champions(session, principal)
        view = (await champions.views([await champions.get_for_update(champion_id)]))[0]
        public = ChampionPublic.model_validate(view).model_dump(mode="json")
        await session.rollback()
        return public


async def test_the_hot_read_equals_the_orm_path_for_every_role(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database
) -> None:
    db = fast_db
    people = await make_people(client, auth, {"KO-PO": 3})
    pm = auth("project_manager")
    ids = []
    for person, pilots in zip(people["KO-PO"], ([], [PILOT], [PILOT, OTHER_PILOT]), strict=True):
        body = {"person_id": person, "project_code": "S21894", "start_date": "2021-01-01"}
        created = await client.post(
            "/champions", json=body | {"pilots": [{"pilot_id": p} for p in pilots]}, headers=pm
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    seen = []
    for champion_id in [*ids, "no-such-champion"]:
        for role in ROLES:
            principal = Principal("t", frozenset({role}))
            before = await outcome(orm_view(db, principal, champion_id))
            after = await outcome(hot.read_view(db=db, principal=principal, champion_id=champion_id))
            assert after == before, (champion_id, role)
            seen.append(after)
    views = [v for kind, v in seen if kind == "ok"]
    assert [len(v["pilots"]) for v in views[::2]] == [0, 1, 2] and all(v["display_name"] for v in views)
    assert [v["pilots"][i]["pilot_id"] for v in views[4:5] for i in (0, 1)] == [PILOT, OTHER_PILOT]
    assert sum(kind == "NotFound" for kind, _ in seen) == 2
    got = await client.get(f"/champions/{ids[2]}", headers=pm)
    assert got.status_code == 200 and got.json() == views[4]
    assert (await client.get(f"/champions/{ids[2]}", headers=auth("steering"))).status_code == 403


# --- the person read and the people list (participants.people.hot) ---

Paths = tuple[httpx.AsyncClient, httpx.AsyncClient]
LogRow = tuple[str, str, str, str]


@pytest.fixture
async def paths(settings: Settings, backend: str) -> AsyncIterator[Paths]:
    """(hot, session): two apps on the test's database, with and without the read pool."""
    hot_app, session_app = (
        create_app(settings),
        create_app(settings.model_copy(update={"db_read_pool_size": 0})),
    )
    async with running(hot_app) as hot_client, running(session_app) as session_client:
        assert (hot_app.state.db.fast_pool is not None) == (backend == "postgresql")
        assert session_app.state.db.fast_pool is None
        yield hot_client, session_client


async def log_rows(db: Database, after: int) -> tuple[int, list[LogRow]]:
    """The read log's last id and its rows after ``after`` (reader, roles, purpose, person)."""
    async with db.read_session() as session:
        rows = (await session.exec(select(PersonReadLog).where(col(PersonReadLog.id) > after))).all()
        last = (await session.exec(select(func.coalesce(func.max(PersonReadLog.id), 0)))).one()
    return last, sorted((r.reader, r.reader_roles, r.purpose, r.person_id) for r in rows)


async def both(paths: Paths, db: Database, url: str, headers: dict[str, str], **params: Any) -> Any:
    """Ask both paths; assert the same status, body and read-log rows; return (status, body, rows)."""
    seen = []
    for client in paths:
        last, _ = await log_rows(db, 0)
        response = await client.get(url, headers=headers, params=params)
        body = response.json()
        if response.status_code >= 400:
            body.pop("request_id")  # a problem names its request
        seen.append((response.status_code, body, (await log_rows(db, last))[1]))
    assert seen[0] == seen[1], (url, params)
    return seen[0]


def scim_user(user_name: str, external_id: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "externalId": external_id,
        "userName": user_name,
        "active": True,
        "name": {"familyName": "Aalto", "givenName": "Aino"},
    }


async def test_the_person_read_equals_the_session_path_for_every_caller(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database, paths: Paths
) -> None:
    plain, _, erased = (await make_people(client, auth, {"KO-PO": 3}))["KO-PO"]
    hr = {**auth("hr_sync", subject="entra"), "Content-Type": "application/scim+json"}
    created = await client.post(
        "/scim/v2/Users", json=scim_user("Aino.Aalto@kuopio.example", "ext-1"), headers=hr
    )
    assert created.status_code == 201, created.text
    scimmed = created.json()["id"]
    done = await client.post(
        f"/people/{erased}/pseudonymise", json={"reason": "erasure"}, headers=auth("admin")
    )
    assert done.status_code == 200, done.text
    callers: dict[str, dict[str, str]] = {
        role: auth(role) for role in ("admin", "project_manager", "steering", "champion", "pilot_owner")
    } | {role: auth(role) for role in ("finance", "auditor", "hr_sync")}
    outcomes: dict[tuple[str, str], tuple[int, int]] = {}
    for target in (plain, scimmed, erased, "no-such-person"):
        themself = {
            "themself": auth("champion", person_id=target),
            "another person": auth("champion", person_id=scimmed if target == plain else plain),
            "themself by user name": auth("steering", subject="Aino.Aalto@kuopio.example"),
            "user name in other case": auth("steering", subject="aino.aalto@kuopio.example"),
            "themself by external id": auth("finance", subject="ext-1"),
        }
        for who, headers in (callers | themself).items():
            status, body, rows = await both(paths, fast_db, f"/people/{target}", headers)
            outcomes[target, who] = status, len(rows)
            if status == 200:
                assert body["id"] == target and [r[2:] for r in rows] == [("people.read", target)]
            else:
                assert rows == [] and body["status"] == status
    for target in (plain, scimmed, erased):
        assert outcomes[target, "admin"] == outcomes[target, "project_manager"] == (200, 1)
        assert outcomes[target, "another person"] == outcomes[target, "steering"] == (403, 0)
        assert outcomes[target, "hr_sync"] == outcomes[target, "user name in other case"] == (403, 0)
    assert outcomes[plain, "themself"] == outcomes[scimmed, "themself"] == (200, 1)
    assert outcomes[erased, "themself"] == (403, 0)  # a pseudonymised person is no one's own
    assert (
        outcomes[scimmed, "themself by user name"] == outcomes[scimmed, "themself by external id"] == (200, 1)
    )
    assert outcomes[plain, "themself by user name"] == (403, 0)
    assert outcomes["no-such-person", "admin"] == (404, 0) and outcomes["no-such-person", "themself"] == (
        403,
        0,
    )
    assert {
        outcomes["no-such-person", role] for role in callers if role not in ("admin", "project_manager")
    } == {(403, 0)}


async def test_a_refused_hot_read_writes_no_read_log_row(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database
) -> None:
    person = (await make_people(client, auth, {"KO": 1}))["KO"][0]
    last, _ = await log_rows(fast_db, 0)
    for principal, person_id in (
        (Principal("someone", frozenset({"champion"}), claims={"person_id": "someone-else"}), person),
        (Principal("someone", frozenset({"steering"})), "no-such-person"),
        (Principal("boss", frozenset({"admin"})), "no-such-person"),
    ):
        with pytest.raises((Forbidden, NotFound)):
            await people_hot.read_person(db=fast_db, principal=principal, person_id=person_id)
    assert (await log_rows(fast_db, last))[1] == []
    me = Principal("me", frozenset({"champion"}), claims={"person_id": person})
    assert (await people_hot.read_person(db=fast_db, principal=me, person_id=person)).id == person
    assert (await log_rows(fast_db, last))[1] == [("me", "champion", "people.read", person)]


async def test_the_people_list_equals_the_session_path_and_logs_exactly_the_page(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database, paths: Paths
) -> None:
    people = await make_people(client, auth, {"KO-PO": 4, "HE": 3})
    unit = (await client.get(f"/people/{people['HE'][0]}", headers=auth("admin"))).json()["org_unit_id"]
    queries: list[dict[str, Any]] = [
        {},
        {"limit": 2},
        {"limit": 2, "offset": 2},
        {"limit": 3, "offset": 6},
        {"offset": 50},
        {"limit": 500},
        {"q": "person50000", "limit": 2},
        {"q": "500003"},
        {"q": "P%"},
        {"active": False},
        {"active": True, "org_unit_id": unit, "limit": 1},
        {"q": "test", "active": True, "org_unit_id": unit},
    ]
    pm, paged = auth("project_manager"), []
    for params in queries:
        status, body, rows = await both(paths, fast_db, "/people", pm, **params)
        assert status == 200
        assert sorted(r[3] for r in rows) == sorted(i["id"] for i in body["items"]), params
        assert {r[:3] for r in rows} <= {("test-user", "project_manager", "people.list")}
        paged.append((len(body["items"]), body["total"], body["next_offset"]))
    assert paged[:6] == [(7, 7, None), (2, 7, 2), (2, 7, 4), (1, 7, None), (0, 7, None), (7, 7, None)]
    assert paged[6] == (2, 7, 2) and paged[7] == (1, 1, None) and paged[9] == (0, 0, None)
    assert paged[10] == (1, 3, 1) and paged[11] == (3, 3, None)
    for role in ("steering", "champion", "pilot_owner", "finance", "auditor", "hr_sync"):
        status, _, rows = await both(paths, fast_db, "/people", auth(role))
        assert status == 403 and rows == []
