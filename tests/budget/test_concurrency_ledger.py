"""Bookings, edits and imports of one project side by side (they share the project lock, ADR 0005):
fired at once, many rounds, every answer one a person can act on and the summary equal to its rows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from tests.budget.conftest import KUOPIO, entry
from tests.budget.test_import import HEADER

Auth = Callable[..., dict[str, str]]
ROUNDS = 6


async def summary_differences(client: httpx.AsyncClient, auth: Auth, idk: str) -> list[object]:
    check = await client.post(f"/projects/{idk}/admin/summaries/check", headers=auth("admin"))
    assert check.status_code == 200, check.text
    return list(check.json()["differences"])


async def test_one_voucher_booked_many_times_at_once_is_booked_once(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    fin = auth("finance", implementer=KUOPIO)
    for n in range(ROUNDS):
        body = entry(voucher_ref=f"SAME-{n}", entry_date=f"2021-{n + 1:02d}-03")
        answers = await asyncio.gather(
            *(client.post(f"/projects/{idk}/costs", json=body, headers=fin) for _ in range(4))
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 409, 409, 409], [a.text for a in answers]
        (won,) = [a.json()["id"] for a in answers if a.status_code == 201]
        for lost in (a for a in answers if a.status_code == 409):
            problem = lost.json()
            assert problem["type"].endswith("/duplicate-voucher"), problem
            assert problem["existing_entry_id"] == won and f"SAME-{n}" in problem["detail"], problem
    listed = await client.get(f"/projects/{idk}/costs", params={"limit": 200}, headers=fin)
    vouchers = [e["voucher_ref"] for e in listed.json()["items"]]
    assert sorted(vouchers) == sorted(f"SAME-{n}" for n in range(ROUNDS))
    assert await summary_differences(client, auth, idk) == []


def ledger_file(prefix: str, rows: int, *, amount: str = "10,00") -> bytes:
    lines = [
        f"{prefix}-{i};1.4.2021;4000;Palkat;1001;S21894;Palkat {prefix} {i};{amount};\r\n"
        for i in range(rows)
    ]
    return (HEADER + "".join(lines)).encode("utf-8")


async def test_bookings_and_edits_go_on_beside_an_import(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    fin = auth("finance", implementer=KUOPIO)
    booked = await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="EDIT-ME"), headers=fin)
    assert booked.status_code == 201, booked.text
    cost = f"/projects/{idk}/costs/{booked.json()['id']}"
    for n in range(ROUNDS):
        content = ledger_file(f"IMP{n}", 300)
        tag = (await client.get(cost, headers=fin)).headers["etag"]
        imported, *others = await asyncio.gather(
            client.post(
                f"/projects/{idk}/ledger/import?dry_run=false&implementer={KUOPIO}",
                files={"file": ("ledger.csv", content)},
                headers=fin,
            ),
            client.post(f"/projects/{idk}/costs", json=entry(voucher_ref=f"BESIDE-{n}"), headers=fin),
            client.patch(cost, json={"amount": f"{100 + n}.00"}, headers=fin | {"If-Match": tag}),
        )
        assert imported.status_code == 200 and imported.json()["added"] == 300, imported.text
        assert [o.status_code for o in others] == [201, 200], [o.text for o in others]
        # the same file again (the import changes nothing) beside an edit: still no lost update
        again, edit = await asyncio.gather(
            client.post(
                f"/projects/{idk}/ledger/import?dry_run=false&implementer={KUOPIO}",
                files={"file": ("ledger.csv", content)},
                headers=fin,
            ),
            client.patch(
                cost,
                json={"amount": f"{200 + n}.00"},
                headers=fin | {"If-Match": (await client.get(cost, headers=fin)).headers["etag"]},
            ),
        )
        assert again.status_code == 200 and again.json()["unchanged"] == 300, again.text
        assert edit.status_code == 200, edit.text
    assert (await client.get(cost, headers=fin)).json()["amount"] == f"{200 + ROUNDS - 1}.00"
    listed = await client.get(f"/projects/{idk}/summary", headers=fin)
    assert listed.status_code == 200, listed.text
    assert await summary_differences(client, auth, idk) == []


async def test_two_imports_at_once_both_land_whole(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    for n in range(3):
        first, second = await asyncio.gather(
            *(
                client.post(
                    f"/projects/{idk}/ledger/import?dry_run=false&implementer={KUOPIO}",
                    files={"file": ("ledger.csv", ledger_file(f"TWO{n}{side}", 200))},
                    headers=fin,
                )
                for side in "AB"
            )
        )
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        assert first.json()["added"] == second.json()["added"] == 200
    assert await summary_differences(client, auth, idk) == []
