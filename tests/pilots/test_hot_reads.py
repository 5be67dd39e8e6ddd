"""The hot read of a project's pilot list (pilots.pilots.hot, ADR 0011) against the session path it
stands beside: the same summaries, order, sectors and totals for every role that reads every pilot,
with each filter and page; the same 404. On PostgreSQL the read pool is opened, so the asyncpg path
is the one compared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.etag import version_etag
from hanke_libs.peers import PeerClient
from hanke_libs.personal import redact_for
from hanke_libs.problems import Forbidden, NotFound
from pilots.config import Settings
from pilots.pilots import bodies, hot_detail, repository, service
from pilots.scope import Scope
from pilots.seed import seed
from pilots.types import Stage
from tests.pilots.helpers import create_pilot

Auth = Callable[..., dict[str, str]]
READERS = ["admin", "project_manager", "pilot_owner", "steering", "auditor"]


async def listed(db: Database, settings: Settings, role: str, hot: bool, code: str, **kw: Any) -> Any:
    peer = PeerClient("participants", "http://participants")
    async with db.read_session() as session:
        scope = Scope(
            session, Principal("t", frozenset({role})), settings, peer, frozenset(), db if hot else None
        )
        try:
            items, total = await service.list_in_project(scope, code, as_of=None, **kw)
        except NotFound as problem:
            return problem.status, problem.detail
        finally:
            await peer.aclose()
    return total, [i.model_dump(mode="json") for i in items]


async def test_the_hot_list_equals_the_session_path(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database, settings: Settings
) -> None:
    db = fast_db
    await seed(db)
    seen = []
    filters = [
        {"stage": None, "owner_id": None, "offset": 0, "limit": 51},
        {"stage": None, "owner_id": None, "offset": 2, "limit": 3},
        {"stage": Stage.running, "owner_id": None, "offset": 0, "limit": 51},
    ]
    everyone = await listed(db, settings, "admin", False, "S21894", **filters[0])
    owner = everyone[1][0]["owner_id"]
    filters.append({"stage": None, "owner_id": owner, "offset": 0, "limit": 51})
    filters.append({"stage": Stage.idea, "owner_id": owner, "offset": 0, "limit": 51})
    filters.append({"stage": None, "owner_id": None, "offset": 1000, "limit": 51})  # past the end
    filters.append({"stage": None, "owner_id": "nobody", "offset": 0, "limit": 51})  # none match
    for role in READERS:
        for kw in filters:
            before = await listed(db, settings, role, False, "S21894", **kw)
            after = await listed(db, settings, role, True, "S21894", **kw)
            assert after == before, (role, kw)
            seen.append(after)
        assert await listed(db, settings, role, True, "NOPE", **filters[0]) == (
            404,
            "No project with code 'NOPE'.",
        )
    total, items = everyone
    assert total == len(items) >= 5 and any(len(i["sectors"]) > 1 for i in items)
    assert seen[1] == (total, items[2:5]) and 0 < seen[2][0] < total and 0 < seen[3][0] < total
    assert seen[5] == (total, []) and seen[6] == (0, [])  # an empty page still tells the total
    # Through the route: the page as the session path lists it, with its paging fields.
    page = await client.get("/projects/S21894/pilots", headers=auth("admin"), params={"limit": 2})
    assert page.status_code == 200, page.text
    assert page.json() == {
        "items": items[:2],
        "limit": 2,
        "offset": 0,
        "total": total,
        "next_offset": 2,
        "next_cursor": None,
        "as_of": None,
    }
    listed_for_steering = await client.get("/projects/S21894/pilots", headers=auth("steering"))
    assert listed_for_steering.status_code == 200, listed_for_steering.text
    assert [i["owner_id"] for i in listed_for_steering.json()["items"]] == [None] * total  # redacted


async def read(
    db: Database,
    settings: Settings,
    principal: Principal,
    pilot_id: str,
    *,
    hot: bool,
    champion_of: frozenset[str] = frozenset(),
) -> Any:
    """``GET /pilots/{id}``'s body as the caller gets it (redacted), or the problem's status and detail."""
    peer = PeerClient("participants", "http://participants")
    async with db.read_session() as session:
        scope = Scope(session, principal, settings, peer, champion_of, db if hot else None)
        try:
            if hot:
                public = await hot_detail.detail(scope, db, pilot_id)
            else:
                public = await bodies.to_public(scope, await repository.get(scope, pilot_id))
        except (NotFound, Forbidden) as problem:
            return problem.status, problem.detail
        finally:
            await peer.aclose()
    return redact_for(principal, public).model_dump(mode="json")


def callers(pilot_id: str, owner: str) -> list[tuple[Principal, frozenset[str]]]:
    """The 9 callers both paths are compared for: each reading role, finance (403), the pilot's
    owner, an enrolled champion and one not enrolled (403)."""
    every = [(Principal("t", frozenset({role})), frozenset[str]()) for role in (*READERS, "finance")]
    return [
        *every,
        (Principal(owner, frozenset({"pilot_owner"})), frozenset()),  # its owner
        (Principal(owner, frozenset({"champion"})), frozenset({pilot_id})),  # an enrolled champion
        (Principal("c", frozenset({"champion"})), frozenset({"other"})),  # not enrolled: 403
    ]


async def test_the_hot_pilot_equals_the_session_path(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database, settings: Settings
) -> None:
    db = fast_db
    await seed(db)
    bare = await create_pilot(client, auth("admin"), title="Nothing yet")  # no sectors, indicators
    _, pilots = await listed(
        db, settings, "admin", False, "S21894", stage=None, owner_id=None, offset=0, limit=51
    )
    ids = [p["id"] for p in pilots]
    assert bare["id"] in ids
    bodies = {}
    for pilot in pilots:
        pid, owner = pilot["id"], pilot["owner_id"]
        for principal, enrolled in callers(pid, owner):
            before = await read(db, settings, principal, pid, hot=False, champion_of=enrolled)
            after = await read(db, settings, principal, pid, hot=True, champion_of=enrolled)
            assert after == before, (pid, principal.roles)
            if principal.roles == {"admin"}:
                bodies[pid] = after
            if principal.roles == {"finance"} or enrolled == {"other"}:
                assert after[0] == 403
        for role in READERS:
            assert await read(db, settings, Principal("t", frozenset({role})), "no-such-pilot", hot=True) == (
                404,
                "No pilot with id 'no-such-pilot'.",
            )
    # The pilots compared cover what the body holds: sectors, indicators with a latest value and
    # hidden small samples, decisions, establishments, and none of them.
    every = list(bodies.values())
    assert bodies[bare["id"]]["sectors"] == [] and bodies[bare["id"]]["indicators"] == []
    assert any(len(b["sectors"]) > 1 for b in every)
    assert any(i["latest"] for b in every for i in b["indicators"])
    assert any(b["latest_decision"] for b in every) and any(b["establishment_ids"] for b in every)
    assert any(b["frozen"] for b in every) and not all(b["frozen"] for b in every)
    hidden = [await read(db, settings, Principal("t", frozenset({"auditor"})), pid, hot=True) for pid in ids]
    assert any(i["hidden_measurements"] for b in hidden for i in b["indicators"])
    # Through the route (the hot path): same body, the ETag of its version.
    response = await client.get(f"/pilots/{ids[0]}", headers=auth("admin"))
    assert response.status_code == 200, response.text
    assert response.json() == bodies[ids[0]]
    assert response.headers["ETag"] == version_etag(bodies[ids[0]]["version"])
