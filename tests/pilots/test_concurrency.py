"""Concurrent writes: one of two edits from the same version wins; two approvals for the last place."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from tests.pilots.helpers import (
    PROJECT,
    READY_FOR_APPROVAL,
    add_indicator,
    approve,
    approved_pilot,
    create_pilot,
    move,
)

Auth = Callable[..., dict[str, str]]


async def test_two_edits_from_one_version(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Contested")
    headers = {**pm, "If-Match": '"v1"'}
    results = await asyncio.gather(
        client.patch(f"/pilots/{pilot['id']}", json={"need": "first"}, headers=headers),
        client.patch(f"/pilots/{pilot['id']}", json={"need": "second"}, headers=headers),
    )
    assert sorted(r.status_code for r in results) == [200, 412]
    winner = next(r for r in results if r.status_code == 200).json()["need"]
    read = await client.get(f"/pilots/{pilot['id']}", headers=pm)
    assert read.json()["need"] == winner and read.headers["ETag"] == '"v2"'


async def test_two_approvals_for_the_last_place(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    for i in range(4):
        await approved_pilot(client, pm, f"Active {i}")
    ready = []
    for title in ("Candidate A", "Candidate B"):
        pilot = await create_pilot(client, pm, title, **READY_FOR_APPROVAL)
        await add_indicator(client, pm, pilot["id"])
        assert (await move(client, pm, pilot["id"], "planned")).status_code == 200
        ready.append(pilot["id"])
    results = await asyncio.gather(*(approve(client, pm, pid) for pid in ready))
    assert sorted(r.status_code for r in results) == [200, 409]
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=pm)).json()
    assert portfolio["active_count"] == 5 and portfolio["by_stage"]["planned"] == 1
