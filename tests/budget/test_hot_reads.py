"""The hot read of a project (budget.projects.hot, ADR 0011) against the ORM path it replaced.

For each role and for projects in several states (the seeded IDK project with an applied and a
decided version and their history, a version put back into force, a new project with no version),
``hot.read_public`` on the read pool must give the same body, version and refusals as
``service.one`` in a session. On PostgreSQL the read pool is opened, so the asyncpg path is the one
compared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from budget.config import Settings
from budget.links import Links
from budget.projects import hot, service
from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.etag import version_etag
from hanke_libs.problems import Forbidden, NotFound
from tests.budget.conftest import KUOPIO, SAVONIA
from tests.budget.test_governance import change, lines_of
from tests.budget.test_projects import NEW

Auth = Callable[..., dict[str, str]]
OTHER = "1234567-8"

ROLES: list[Principal] = [
    Principal("a", frozenset({"admin"})),
    Principal("pm", frozenset({"project_manager"})),
    Principal("st", frozenset({"steering"})),
    Principal("au", frozenset({"auditor"})),
    Principal("fk", frozenset({"finance"}), implementer=KUOPIO),
    Principal("fs", frozenset({"finance"}), implementer=SAVONIA),
    Principal("fo", frozenset({"finance"}), implementer=OTHER),
    Principal("fn", frozenset({"finance"})),
]


async def outcome(call: Any) -> tuple[str, Any]:
    try:
        version, body = await call
    except (NotFound, Forbidden) as problem:
        return type(problem).__name__, (problem.slug, problem.detail)
    return "ok", (version, body.model_dump(mode="json"))


async def both(db: Database, settings: Settings, code: str) -> list[tuple[str, Any]]:
    """Each role's outcome on the hot path, after asserting it equals the ORM path's."""
    links = Links(settings)
    results = []
    for principal in ROLES:

        async def orm(principal: Principal = principal) -> tuple[int, Any]:
            async with db.read_session() as session:
                project, body = await service.one(
                    session=session, principal=principal, code=code, links=links
                )
                return project.version, body

        before = await outcome(orm())
        after = await outcome(hot.read_public(db=db, principal=principal, code=code, links=links))
        assert after == before, principal
        results.append(after)
    return results


async def test_the_hot_read_equals_the_orm_path_for_every_role(
    client: httpx.AsyncClient, auth: Auth, idk: str, fast_db: Database, settings: Settings
) -> None:
    db = fast_db
    seeded = await both(db, settings, idk)
    admin = seeded[0][1][1]
    assert admin["current_version"] == 2 and admin["budget_in_force"]["decision"]
    assert len(admin["implementers"]) > 1 and len(admin["funding_sources"]) > 1
    assert len(seeded[4][1][1]["own_funding_caps"]) > 0 == len(seeded[5][1][1]["own_funding_caps"])
    assert [r[0] for r in seeded] == ["ok"] * 6 + ["Forbidden"] * 2
    assert (await both(db, settings, "NOPE"))[0] == (
        "NotFound",
        ("project-not-found", "No project with the code 'NOPE'."),
    )

    pm = auth("project_manager")
    lines = change(await lines_of(client, idk, 2, pm), KUOPIO, 2021, "travel", "-500.00")
    lines = change(lines, KUOPIO, 2021, "rents", "500.00")
    v3 = await client.post(
        f"/projects/{idk}/versions", json={"kind": "amended", "reason": "Pieni", "lines": lines}, headers=pm
    )
    assert v3.status_code == 201, v3.text
    assert (await both(db, settings, idk))[0][1][1]["current_version"] == 3
    assert (await client.post(f"/projects/{idk}/versions/2/make-current", headers=pm)).status_code == 200
    assert (await both(db, settings, idk))[0][1][1]["current_version"] == 2

    assert (await client.post("/projects", json=NEW, headers=pm)).status_code == 201
    fresh = await both(db, settings, str(NEW["code"]))
    assert fresh[0][1][1]["budget_in_force"] == {
        "number": None,
        "kind": None,
        "effective_from": None,
        "decision": None,
    }


async def test_the_route_sends_the_hot_read_with_its_etag(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    got = await client.get(f"/projects/{idk}", headers=auth("finance", implementer=KUOPIO))
    assert got.status_code == 200 and got.headers["etag"] == version_etag(got.json()["version"])
    assert {c["implementer"] for c in got.json()["own_funding_caps"]} == {KUOPIO}
    refused = await client.get(f"/projects/{idk}", headers=auth("finance", implementer=OTHER))
    assert refused.status_code == 403 and refused.json()["type"].endswith("not-an-implementer")
    assert (await client.get(f"/projects/{idk}", headers=auth("hr_sync"))).status_code == 403
