"""Payment claims end to end: draft, submit (frozen, costs locked), status flow, export, advances."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import httpx
from openpyxl import load_workbook

from tests.budget.conftest import KUOPIO, SAVONIA, entry, fresh

Auth = Callable[..., dict[str, str]]
H1 = {"period_start": "2020-01-01", "period_end": "2020-06-30"}


async def book(
    client: httpx.AsyncClient, idk: str, headers: dict[str, str], **kw: object
) -> dict[str, object]:
    r = await client.post(f"/projects/{idk}/costs", json=entry(**kw), headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_claim_end_to_end(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    lead, co = auth("finance", implementer=KUOPIO, subject="kirsi"), auth("finance", implementer=SAVONIA)
    staff = await book(client, idk, lead, voucher_ref="K1", entry_date="2020-02-03", amount="4016.96")
    await book(
        client, idk, lead, voucher_ref="K2", entry_date="2020-03-03", category="travel", amount="120.40"
    )
    await book(
        client,
        idk,
        lead,
        voucher_ref="K3",
        entry_date="2020-04-01",
        kind="income",
        category="income",
        amount="100.00",
    )
    await book(
        client, idk, co, implementer=SAVONIA, voucher_ref="S1", entry_date="2020-05-05", amount="2000.00"
    )
    await book(client, idk, lead, voucher_ref="K9", entry_date="2020-07-01", amount="50.00")  # next period

    assert (await client.post(f"/projects/{idk}/claims", json=H1, headers=co)).status_code == 403
    draft = await client.post(f"/projects/{idk}/claims", json=H1, headers=lead)
    assert draft.status_code == 201, draft.text
    body = draft.json()
    # costs 4016.96 + 120.40 + 2000.00; flat 17 % of staff per voucher: 682.88 + 340.00; income 100.00
    assert body["entries"] == 4 and body["status"] == "draft" and body["frozen"] is False
    assert body["costs"] == "6137.36" and body["flat_rate"] == "1022.88" and body["income"] == "100.00"
    assert body["eligible"] == "7060.24" and body["claimable_esr"] == "5648.19"
    assert body["funding_shares"] == [
        {"source": "esr", "kind": "esr", "amount": "5648.19"},
        {"source": "own", "kind": "own", "amount": "1412.05"},
    ]
    assert {i["implementer"] for i in body["by_implementer"]} == {KUOPIO, SAVONIA}
    url = f"/projects/{idk}/claims/{body['number']}"

    # while a draft, its costs can still be corrected
    ok = await client.patch(
        f"/projects/{idk}/costs/{staff['id']}",
        json={"description": "Palkat 2/2020"},
        headers=lead | {"If-Match": '"v1"'},
    )
    assert ok.status_code == 200
    submitted = await client.post(
        f"{url}/status", json={"status": "submitted"}, headers=await fresh(client, url, lead)
    )
    assert submitted.status_code == 200 and submitted.json()["frozen"] is True
    assert submitted.json()["submitted_by"] == "kirsi"

    changed = await client.patch(
        f"/projects/{idk}/costs/{staff['id']}", json={"amount": "1.00"}, headers=lead | {"If-Match": '"v2"'}
    )
    assert changed.status_code == 409
    problem = changed.json()
    assert problem["claim_number"] == body["number"] and "payment claim 1 (submitted)" in problem["detail"]
    assert (
        await client.delete(f"/projects/{idk}/costs/{staff['id']}", headers=lead | {"If-Match": '"v2"'})
    ).status_code == 409
    listed = (
        await client.get(f"/projects/{idk}/costs?claim_id={problem['claim_id']}", headers=auth("auditor"))
    ).json()
    assert len(listed["items"]) == 4 and all(e["locked"] for e in listed["items"])

    # a late cost of the same period is not in the frozen claim; the next claim takes later ones
    await book(client, idk, lead, voucher_ref="K4", entry_date="2020-06-30", amount="10.00")
    await book(client, idk, lead, voucher_ref="K5", entry_date="2020-07-15", amount="10.00")
    assert (await client.get(url, headers=lead)).json()["eligible"] == "7060.24"
    assert (await client.post(f"{url}/refresh", headers=await fresh(client, url, lead))).status_code == 409
    overlapping = await client.post(
        f"/projects/{idk}/claims",
        json={"period_start": "2020-01-01", "period_end": "2020-12-31"},
        headers=lead,
    )
    assert overlapping.status_code == 409 and overlapping.json()["type"].endswith("/claim-period-overlap")
    assert "payment claim 1" in overlapping.json()["detail"]
    second = await client.post(
        f"/projects/{idk}/claims",
        json={"period_start": "2020-07-01", "period_end": "2020-12-31"},
        headers=lead,
    )
    assert second.json()["entries"] == 2 and second.json()["costs"] == "60.00"
    assert (
        second.json()["number"] == 2
        and second.headers["location"] == f"/api/v1/budget/projects/{idk}/claims/2"
    )

    bad = await client.post(f"{url}/status", json={"status": "paid"}, headers=await fresh(client, url, lead))
    assert bad.status_code == 409 and "cannot go from submitted to paid" in bad.json()["detail"]
    partial = await client.post(
        f"{url}/status", json={"status": "partially_approved"}, headers=await fresh(client, url, lead)
    )
    assert partial.status_code == 422
    approved = await client.post(
        f"{url}/status",
        json={"status": "partially_approved", "approved_amount": "5000.00"},
        headers=await fresh(client, url, lead),
    )
    assert approved.status_code == 200 and approved.json()["approved_amount"] == "5000.00"
    paid = await client.post(
        f"{url}/status", json={"status": "paid"}, headers=await fresh(client, url, auth("admin"))
    )
    assert paid.json()["status"] == "paid"

    exported = await client.get(f"{url}/export?format=csv", headers=auth("auditor"))
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    blank = lines.index([])
    head, rows = lines[:blank], lines[blank + 1 :]
    assert dict(head) == {
        "Hanke": f"{idk} Ihmiskeskeinen digitaalinen kunta (IDK)",
        "Maksatushakemus": "1",
        "Laji": "interim",
        "Kausi": "2020-01-01 – 2020-06-30",
        "Tila": "paid",
        "Haettava ESR-tuki": "5 648,19",
        "Tositteita": "4",
        "Kustannukset": "6 137,36",
        "Kiinteä osuus": "1 022,88",
        "Tulot": "100,00",
        "Tukikelpoiset kustannukset": "7 060,24",
    }
    total = rows[-1]
    assert (
        total[0] == "Yhteensä" and total[7] == "6 137,36" and total[8] == "100,00" and total[12] == "1 022,88"
    )
    rows = rows[:-1]
    assert rows[0][:9] == [
        "Tosite",
        "Tositepäivä",
        "Tili",
        "Tilin nimi",
        "Kustannuspaikka",
        "Projekti",
        "Selite",
        "Debet",
        "Kredit",
    ]
    by_voucher = {r[0]: r for r in rows[1:]}
    assert set(by_voucher) == {"K1", "K2", "K3", "S1"}
    assert (
        by_voucher["K1"][1] == "3.2.2020"
        and by_voucher["K1"][7] == "4 016,96"
        and by_voucher["K1"][12] == "682,88"
    )
    assert by_voucher["K3"][8] == "100,00" and by_voucher["K3"][9] == "income"
    xlsx = await client.get(f"{url}/export?format=xlsx", headers=lead)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == len(lines)
    cells = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    assert cells["K1"][7].value == Decimal("4016.96") or cells["K1"][7].value == 4016.96  # a typed number
    assert cells["K1"][1].is_date and cells["Yhteensä"][7].data_type == "n"
    trail = (await client.get("/audit?entity_type=payment_claim", headers=auth("auditor"))).json()["items"]
    assert [e["action"] for e in trail if e["entity_id"] == f"{idk}/1"] == [
        "create",
        "status",
        "status",
        "status",
    ]


async def test_draft_can_be_deleted_releasing_entries(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    lead = auth("finance", implementer=KUOPIO)
    await book(client, idk, lead, voucher_ref="D1", entry_date="2020-02-01")
    first = (await client.post(f"/projects/{idk}/claims", json=H1, headers=lead)).json()
    assert first["entries"] == 1
    assert (
        await client.post(
            f"/projects/{idk}/claims/1/status",
            json={"status": "submitted"},
            headers=await fresh(client, f"/projects/{idk}/claims/1", auth("project_manager")),
        )
    ).status_code == 403
    assert (await client.delete(f"/projects/{idk}/claims/1", headers=lead)).status_code == 428
    one = await fresh(client, f"/projects/{idk}/claims/1", lead)
    assert (await client.delete(f"/projects/{idk}/claims/1", headers=one)).status_code == 204
    again = (await client.post(f"/projects/{idk}/claims", json=H1, headers=lead)).json()
    assert again["entries"] == 1 and again["status"] == "draft"
    assert again["number"] == 2  # a number is never given twice
    empty = await client.post(
        f"/projects/{idk}/claims",
        json={"period_start": "2022-01-01", "period_end": "2022-03-31"},
        headers=lead,
    )
    assert (
        await client.post(
            f"/projects/{idk}/claims/{empty.json()['number']}/status",
            json={"status": "submitted"},
            headers=await fresh(client, f"/projects/{idk}/claims/{empty.json()['number']}", lead),
        )
    ).status_code == 409


async def test_advance_at_most_30_percent_of_support(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    lead = auth("finance", implementer=KUOPIO)
    advance = {"kind": "advance", "period_start": "2020-01-01", "period_end": "2020-01-31"}
    # granted support: ESR 80 % of the decided 1 532 910,00 = 1 226 328,00; 30 % = 367 898,40
    over = await client.post(
        f"/projects/{idk}/claims", json=advance | {"requested_amount": "367898.41"}, headers=lead
    )
    assert over.status_code == 422 and over.json()["limit"] == "367898.40"
    ok = await client.post(
        f"/projects/{idk}/claims", json=advance | {"requested_amount": "300000.00"}, headers=lead
    )
    assert ok.status_code == 201 and ok.json()["claimable_esr"] == "300000.00" and ok.json()["entries"] == 0
    more = await client.post(
        f"/projects/{idk}/claims", json=advance | {"requested_amount": "67898.41"}, headers=lead
    )
    assert more.status_code == 422
    missing = await client.post(f"/projects/{idk}/claims", json=advance, headers=lead)
    assert missing.status_code == 422


async def test_who_reads_claims(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    lead = auth("finance", implementer=KUOPIO)
    assert (await client.post(f"/projects/{idk}/claims", json=H1, headers=lead)).status_code == 201
    for role in ("admin", "project_manager", "auditor"):
        assert (await client.get(f"/projects/{idk}/claims/1", headers=auth(role))).status_code == 200
    assert (await client.get(f"/projects/{idk}/claims/1", headers=lead)).status_code == 200
    # the co-implementer sees only claims that include its costs: none here
    co = await client.get(f"/projects/{idk}/claims", headers=auth("finance", implementer=SAVONIA))
    assert co.status_code == 200 and co.json()["items"] == []
    assert (
        await client.get(f"/projects/{idk}/claims/1", headers=auth("finance", implementer=SAVONIA))
    ).status_code == 404
    for role in ("steering", "pilot_owner", "champion"):
        assert (await client.get(f"/projects/{idk}/claims", headers=auth(role))).status_code == 403
    assert (await client.post(f"/projects/{idk}/claims", json=H1, headers=auth("auditor"))).status_code == 403
