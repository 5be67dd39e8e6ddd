"""Races: a round closed while answers arrive, the same person enrolled twice at once (many rounds)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from tests.participants.helpers import make_people, reopen

Auth = Callable[..., dict[str, str]]
ROUNDS = 5
ITEMS = ["K1", "K2"]


async def test_answers_racing_the_close_never_change_published_figures(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    people = await make_people(client, auth, {"KO-VK": 10 + 4 * ROUNDS})
    ids = people["KO-VK"]
    rounds = (await client.get("/rounds", params={"project_code": "S21894"}, headers=auth("admin"))).json()
    rid = next(
        r["id"]
        for r in rounds["items"]
        if r["framework_code"] == "kunta-itsearvio" and r["kind"] == "baseline"
    )
    await reopen(client, auth, rid)
    pm = auth("project_manager")
    for pid in ids[:10]:
        body = {"person_id": pid, "answers": [{"item_code": c, "value": 3} for c in ITEMS]}
        assert (await client.post(f"/rounds/{rid}/answers", json=body, headers=pm)).status_code == 200
    accepted = 10
    for n in range(ROUNDS):
        batch = ids[10 + 4 * n : 14 + 4 * n]

        async def answer(pid: str) -> int:
            body = {"person_id": pid, "answers": [{"item_code": c, "value": 4} for c in ITEMS]}
            return (await client.post(f"/rounds/{rid}/answers", json=body, headers=pm)).status_code

        results = await asyncio.gather(
            client.post(f"/rounds/{rid}/close", json={"reason": f"race {n}"}, headers=pm),
            *(answer(pid) for pid in batch),
        )
        close, statuses = results[0], results[1:]
        assert close.status_code == 200, close.text
        assert set(statuses) <= {200, 409}
        accepted += statuses.count(200)
        published = (await client.get(f"/rounds/{rid}/aggregates", params={"by": "all"}, headers=pm)).json()
        assert published["groups"][0]["respondents"] == accepted  # every accepted answer, nothing after
        late = await answer(ids[10 + 4 * n])
        assert late == 409
        again = (await client.get(f"/rounds/{rid}/aggregates", params={"by": "all"}, headers=pm)).json()
        assert again == published
        await reopen(client, auth, rid)


async def test_the_same_person_enrolled_twice_at_once(client: httpx.AsyncClient, auth: Auth) -> None:
    people = await make_people(client, auth, {"KO-PO": ROUNDS})
    pm = auth("project_manager")
    for pid in people["KO-PO"]:
        body = {"person_id": pid, "project_code": "S21894"}
        first, second = await asyncio.gather(
            client.post("/champions", json=body, headers=pm), client.post("/champions", json=body, headers=pm)
        )
        assert sorted([first.status_code, second.status_code]) == [201, 409]
        loser = first if first.status_code == 409 else second
        assert loser.headers["content-type"].startswith("application/problem+json")
    listed = (await client.get("/champions", headers=pm)).json()
    assert listed["total"] == ROUNDS
