"""Claims and the ledger under concurrency: the conflicting requests are fired at once, many rounds.

Every case here failed on the code before the project lock (issue 10): a submit and an edit both
answered 200 and the frozen claim disagreed with its row; two submits of the same draft both
answered 200 with two audit entries; overlapping claims were both accepted; numbers by ``max + 1``
clashed into a misleading ``409 integrity-conflict``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from tests.budget.conftest import KUOPIO, entry

Auth = Callable[..., dict[str, str]]
ROUNDS = 8


async def etag(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> str:
    got = await client.get(url, headers=headers)
    assert got.status_code == 200, got.text
    return got.headers["etag"]


async def verify(client: httpx.AsyncClient, claim: str, headers: dict[str, str]) -> dict[str, object]:
    check = await client.get(f"{claim}/verify", headers=headers)
    assert check.status_code == 200, check.text
    return dict(check.json())


async def test_submit_and_edit_at_once_one_wins_and_the_claim_equals_its_rows(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    lead = auth("finance", implementer=KUOPIO)
    winners: dict[str, int] = {"submit": 0, "edit": 0}
    for n in range(ROUNDS):
        month = f"2020-{n + 1:02d}"
        booked = await client.post(
            f"/projects/{idk}/costs",
            json=entry(voucher_ref=f"R{n}", entry_date=f"{month}-10", amount="500.00"),
            headers=lead,
        )
        assert booked.status_code == 201, booked.text
        cost = f"/projects/{idk}/costs/{booked.json()['id']}"
        period = {"period_start": f"{month}-01", "period_end": f"{month}-28"}
        made = await client.post(f"/projects/{idk}/claims", json=period, headers=lead)
        assert made.status_code == 201, made.text
        claim = f"/projects/{idk}/claims/{made.json()['number']}"
        claim_tag, cost_tag = await etag(client, claim, lead), await etag(client, cost, lead)

        submit, edit = await asyncio.gather(
            client.post(
                f"{claim}/status", json={"status": "submitted"}, headers=lead | {"If-Match": claim_tag}
            ),
            client.patch(cost, json={"amount": "700.00"}, headers=lead | {"If-Match": cost_tag}),
        )
        codes = sorted([submit.status_code, edit.status_code])
        assert codes in ([200, 409], [200, 412]), (n, submit.text, edit.text)
        loser = edit if submit.status_code == 200 else submit
        assert loser.headers["content-type"].startswith("application/problem+json")
        assert "read it" in loser.json()["detail"] or "payment claim" in loser.json()["detail"]
        winners["submit" if submit.status_code == 200 else "edit"] += 1

        row = (await client.get(cost, headers=lead)).json()
        body = (await client.get(claim, headers=lead)).json()
        if submit.status_code == 200:
            assert row["amount"] == "500.00" and row["locked"] is True
            assert body["status"] == "submitted" and body["costs"] == "500.00"
        else:
            assert row["amount"] == "700.00" and body["status"] == "draft" and body["costs"] == "700.00"
        check = await verify(client, claim, lead)
        assert check["consistent"] is True and check["differences"] == []
    assert sum(winners.values()) == ROUNDS


async def test_the_same_draft_submitted_twice_at_once(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    lead = auth("finance", implementer=KUOPIO)
    for n in range(ROUNDS):
        month = f"2021-{n + 1:02d}"
        await client.post(
            f"/projects/{idk}/costs", json=entry(voucher_ref=f"T{n}", entry_date=f"{month}-05"), headers=lead
        )
        made = await client.post(
            f"/projects/{idk}/claims",
            json={"period_start": f"{month}-01", "period_end": f"{month}-28"},
            headers=lead,
        )
        claim = f"/projects/{idk}/claims/{made.json()['number']}"
        headers = lead | {"If-Match": await etag(client, claim, lead)}
        answers = await asyncio.gather(
            *(client.post(f"{claim}/status", json={"status": "submitted"}, headers=headers) for _ in range(2))
        )
        assert sorted(a.status_code for a in answers) in ([200, 409], [200, 412]), [a.text for a in answers]
        trail = (
            await client.get(
                f"/audit?entity_type=payment_claim&entity_id={idk}/{made.json()['number']}",
                headers=auth("auditor"),
            )
        ).json()["items"]
        assert [e["changes"]["status"] for e in trail if e["action"] == "status"] == [["draft", "submitted"]]
        assert (await verify(client, claim, lead))["consistent"] is True


async def test_claims_created_at_once_get_distinct_numbers_and_never_overlap(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    lead = auth("finance", implementer=KUOPIO)
    # distinct periods at once: every one is made, with the numbers 1..N, no integrity-conflict
    periods = [{"period_start": f"2022-{m:02d}-01", "period_end": f"2022-{m:02d}-28"} for m in range(1, 9)]
    made = await asyncio.gather(
        *(client.post(f"/projects/{idk}/claims", json=p, headers=lead) for p in periods)
    )
    assert [r.status_code for r in made] == [201] * len(periods), [r.text for r in made]
    assert sorted(r.json()["number"] for r in made) == list(range(1, len(periods) + 1))
    # overlapping periods at once, many rounds: exactly one is made each time
    for n in range(ROUNDS // 2):
        start = f"2020-{n + 1:02d}-01"
        bodies = [{"period_start": start, "period_end": f"2020-{n + 1:02d}-{d}"} for d in (10, 20, 28)]
        answers = await asyncio.gather(
            *(client.post(f"/projects/{idk}/claims", json=b, headers=lead) for b in bodies)
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 409, 409], [a.text for a in answers]
        assert all(
            a.json()["type"].endswith("/claim-period-overlap") for a in answers if a.status_code == 409
        )
    listed = (await client.get(f"/projects/{idk}/claims?limit=200", headers=lead)).json()["items"]
    spans = sorted((c["period_start"], c["period_end"]) for c in listed)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), spans


async def test_versions_created_at_once_get_distinct_numbers(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    pm = auth("project_manager")
    version = (await client.get(f"/projects/{idk}/versions/2", headers=pm)).json()
    lines = [{k: line[k] for k in ("implementer", "year", "category", "amount")} for line in version["lines"]]
    body = {"kind": "amended", "reason": "Sama budjetti", "lines": lines, "make_current": False}
    answers = await asyncio.gather(
        *(client.post(f"/projects/{idk}/versions", json=body, headers=pm) for _ in range(6))
    )
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    assert sorted(a.json()["number"] for a in answers) == [3, 4, 5, 6, 7, 8]


async def test_edits_of_one_entry_at_once_one_wins(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    for n in range(ROUNDS):
        booked = await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref=f"E{n}"), headers=fin)
        url = f"/projects/{idk}/costs/{booked.json()['id']}"
        headers = fin | {"If-Match": booked.headers["etag"]}
        answers = await asyncio.gather(
            client.patch(url, json={"amount": "10.00"}, headers=headers),
            client.patch(url, json={"amount": "20.00"}, headers=headers),
        )
        assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
        winner = next(a for a in answers if a.status_code == 200).json()["amount"]
        assert (await client.get(url, headers=fin)).json()["amount"] == winner
    check = await client.post(f"/projects/{idk}/admin/summaries/check", headers=auth("admin"))
    assert check.json()["consistent"] is True
