"""A frozen claim checked against its rows: the endpoint and ``hanke verify-claims`` (issue 10)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text

from budget.config import Settings
from hanke_cli.main import main
from hanke_libs.db import standalone_database
from tests.budget.conftest import KUOPIO, SAVONIA, entry, fresh

Auth = Callable[..., dict[str, str]]


async def tamper(settings: Settings, sql: str) -> None:
    """Change the rows behind the API's back (as a faulty script or a restore might)."""
    async with standalone_database(settings.resolved_database_url()) as db, db.write_session() as session:
        await (await session.connection()).execute(text(sql))
        await session.commit()


async def frozen_claim(client: httpx.AsyncClient, auth: Auth, idk: str) -> str:
    lead, co = auth("finance", implementer=KUOPIO), auth("finance", implementer=SAVONIA)
    await client.post(
        f"/projects/{idk}/costs", json=entry(voucher_ref="K1", entry_date="2020-02-01"), headers=lead
    )
    await client.post(
        f"/projects/{idk}/costs",
        json=entry(voucher_ref="S1", implementer=SAVONIA, entry_date="2020-02-02", amount="50.00"),
        headers=co,
    )
    made = await client.post(
        f"/projects/{idk}/claims",
        json={"period_start": "2020-01-01", "period_end": "2020-06-30"},
        headers=lead,
    )
    url = f"/projects/{idk}/claims/{made.json()['number']}"
    draft = (await client.get(f"{url}/verify", headers=lead)).json()
    assert draft["frozen"] is False and draft["consistent"] is True and draft["checked_entries"] == 2
    submitted = await client.post(
        f"{url}/status", json={"status": "submitted"}, headers=await fresh(client, url, lead)
    )
    assert submitted.status_code == 200
    return url


async def test_verify_finds_a_row_changed_behind_the_claim(
    client: httpx.AsyncClient, auth: Auth, idk: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await frozen_claim(client, auth, idk)
    lead = auth("finance", implementer=KUOPIO)
    ok = (await client.get(f"{url}/verify", headers=auth("auditor"))).json()
    assert ok["frozen"] is True and ok["consistent"] is True and ok["checked_entries"] == 2

    monkeypatch.setenv("HANKE_BUDGET_DATABASE_URL", settings.resolved_database_url())
    assert await asyncio.to_thread(main, ["verify-claims", "--project", idk]) == 0

    await tamper(settings, "UPDATE cost_entry SET amount = 70000 WHERE voucher_ref = 'K1'")
    found = (await client.get(f"{url}/verify", headers=lead)).json()
    assert found["consistent"] is False
    figures = {d["figure"] for d in found["differences"] if "figure" in d}
    assert {"costs", "eligible", "claimable_esr"} <= figures
    voucher = next(d for d in found["differences"] if d.get("voucher") == "K1")
    assert "Debet" in voucher["columns"]
    # the co-implementer's part is untouched: its check of its part still holds
    part = (await client.get(f"{url}/verify", headers=auth("finance", implementer=SAVONIA))).json()
    assert part["consistent"] is True and part["checked_entries"] == 1
    # the frozen figures themselves did not move
    assert (await client.get(url, headers=lead)).json()["costs"] == "1050.00"
    assert await asyncio.to_thread(main, ["verify-claims", "--project", idk]) == 1
    assert await asyncio.to_thread(main, ["verify-claims", "--project", "NOPE"]) == 2


async def test_verify_finds_a_row_taken_out_of_the_claim(
    client: httpx.AsyncClient, auth: Auth, idk: str, settings: Settings
) -> None:
    url = await frozen_claim(client, auth, idk)
    await tamper(settings, "UPDATE cost_entry SET claim_id = NULL WHERE voucher_ref = 'S1'")
    found = (await client.get(f"{url}/verify", headers=auth("admin"))).json()
    assert found["consistent"] is False
    assert any(d.get("voucher") == "S1" and d["rows"] is None for d in found["differences"])
