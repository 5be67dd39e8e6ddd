"""Portfolio rules as invariants (issue 11 part 2, ADR 0007): an approved or later pilot stays
multi-sector and involves customers; the portfolio's minimum is computed from pilots that meet the
rules now, also under concurrent edits and approvals."""

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
    etag_of,
    move,
)

Auth = Callable[..., dict[str, str]]


async def test_edit_breaking_the_rules_of_a_counted_pilot_is_refused(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    pm = auth("project_manager")
    pilots = [await approved_pilot(client, pm, f"Counted {i}") for i in range(3)]
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=pm)).json()
    assert portfolio["minimum_met"] and portfolio["active_count"] == 3
    pid = pilots[0]["id"]
    read = await client.get(f"/pilots/{pid}", headers=pm)
    # today's defect: one sector and no customer involvement after approval -> 200, minimum_met stays true
    broken = await client.patch(
        f"/pilots/{pid}",
        json={"sectors": ["konsernipalvelut"], "customer_groups": [], "customers_involved": 0},
        headers={**pm, **etag_of(read)},
    )
    assert broken.status_code == 409
    problem = broken.json()
    assert problem["type"].endswith("/portfolio-rule") and problem["rules"] == [
        "multi_sector",
        "customer_involvement",
    ]
    assert "multi-sector" in problem["detail"] and "withdraw" in problem["detail"]
    one_rule = await client.patch(
        f"/pilots/{pid}", json={"customers_involved": 0}, headers={**pm, **etag_of(read)}
    )
    assert one_rule.status_code == 409 and one_rule.json()["rules"] == ["customer_involvement"]
    after = await client.get(f"/pilots/{pid}", headers=pm)
    assert (
        len(after.json()["sectors"]) == 2
        and after.json()["customers_involved"] == 40
        and after.headers["ETag"] == read.headers["ETag"]
    )
    # other edits of a counted pilot go through
    ok = await client.patch(
        f"/pilots/{pid}",
        json={"sectors": [*READY_FOR_APPROVAL["sectors"], "konsernipalvelut"]},
        headers={**pm, **etag_of(read)},
    )
    assert ok.status_code == 200
    # withdrawn first (a decision with a reason), the pilot may change freely and stops counting
    assert (await move(client, pm, pid, "planned", reason="rethinking the customer group")).status_code == 200
    read = await client.get(f"/pilots/{pid}", headers=pm)
    assert (
        await client.patch(
            f"/pilots/{pid}", json={"sectors": ["konsernipalvelut"]}, headers={**pm, **etag_of(read)}
        )
    ).status_code == 200
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=pm)).json()
    assert portfolio["active_count"] == 2 and portfolio["minimum_met"] is False
    # and cannot be approved again while it breaks the rule
    assert (await approve(client, pm, pid)).status_code == 409


async def _ready(client: httpx.AsyncClient, pm: dict[str, str], title: str) -> str:
    pilot = await create_pilot(client, pm, title, **READY_FOR_APPROVAL)
    await add_indicator(client, pm, pilot["id"])
    assert (await move(client, pm, pilot["id"], "planned")).status_code == 200
    return str(pilot["id"])


async def test_concurrent_edit_and_approval_never_leave_a_false_minimum(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    """Two counted pilots; a third is approved while an edit makes it single-sector, at once, many
    rounds. Whatever wins, the portfolio's minimum is the truth about the pilots as they are."""
    pm = auth("project_manager")
    for i in range(2):
        await approved_pilot(client, pm, f"Base {i}")
    for round_ in range(8):
        pid = await _ready(client, pm, f"Contested {round_}")
        read = await client.get(f"/pilots/{pid}", headers=pm)
        edit, approval = await asyncio.gather(
            client.patch(
                f"/pilots/{pid}", json={"sectors": ["konsernipalvelut"]}, headers={**pm, **etag_of(read)}
            ),
            approve(client, pm, pid),
        )
        assert {edit.status_code, approval.status_code} <= {200, 409, 412}, (edit.text, approval.text)
        pilot = (await client.get(f"/pilots/{pid}", headers=pm)).json()
        if pilot["stage"] == "approved":
            assert len(pilot["sectors"]) == 2, "an approved pilot lost its second sector"
        portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=pm)).json()
        truly = [
            p
            for p in portfolio["pilots"]
            if p["stage"] in ("approved", "running", "evaluated", "established") and len(p["sectors"]) >= 2
        ]
        assert portfolio["active_count"] == len(truly)
        assert portfolio["minimum_met"] is (len(truly) >= 3)
        if pilot["stage"] == "approved":  # take it out again for the next round
            assert (await move(client, pm, pid, "discontinued", reason="round over")).status_code == 200


async def test_concurrent_breaking_edits_of_counted_pilots(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilots = [await approved_pilot(client, pm, f"Held {i}") for i in range(3)]
    for _ in range(3):
        reads = [await client.get(f"/pilots/{p['id']}", headers=pm) for p in pilots]
        results = await asyncio.gather(
            *(
                client.patch(
                    f"/pilots/{p['id']}",
                    json={"sectors": ["kaupunkiymparisto"]},
                    headers={**pm, **etag_of(r)},
                )
                for p, r in zip(pilots, reads, strict=True)
            )
        )
        assert [r.status_code for r in results] == [409, 409, 409]
    portfolio = (await client.get(f"/projects/{PROJECT}/portfolio", headers=pm)).json()
    assert portfolio["minimum_met"] and all(p["counts_toward_rule"] for p in portfolio["pilots"])
