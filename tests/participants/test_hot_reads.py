"""The hot read of one champion (participants.champions.hot, ADR 0011) against the ORM path it
replaced (``Champions.views`` of the locked row): the same body for admin and project_manager, the
same refusals for every other role and an unknown id. On PostgreSQL the read pool is opened, so the
asyncpg path is the one compared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.problems import Forbidden, NotFound
from participants.champions import hot
from participants.champions.repository import Champions
from participants.champions.schemas import ChampionPublic
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
