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
from hanke_libs.peers import PeerClient
from hanke_libs.problems import NotFound
from pilots.config import Settings
from pilots.pilots import service
from pilots.scope import Scope
from pilots.seed import seed
from pilots.types import Stage

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
    listed_for_steering = await client.get("/projects/S21894/pilots", headers=auth("steering"))
    assert listed_for_steering.status_code == 200, listed_for_steering.text
    assert [i["owner_id"] for i in listed_for_steering.json()["items"]] == [None] * total  # redacted
