"""Figures: the IDK numbers as applied, exact splits, caps, drill-down, summary consistency."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx

from tests.budget.conftest import KUOPIO, PILOT_A, SAVONIA, entry, local

Auth = Callable[..., dict[str, str]]


async def test_idk_as_applied_figures(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    """As of a day before the funder's (sample) decision, the applied version is the budget in force."""
    body = (await client.get(f"/projects/{idk}/summary?as_of=2020-02-29", headers=auth("steering"))).json()
    assert body["budget"] == {
        "number": 1,
        "kind": "applied",
        "effective_from": "2020-01-01",
        "decision": "Kuopion kaupunginhallitus § 81/2019",
    }
    assert body["project"] == {
        "code": "S21894",
        "name": "Ihmiskeskeinen digitaalinen kunta (IDK)",
        "period_start": "2020-01-01",
        "period_end": "2022-12-31",
        "cost_model": "flat_17",
        "lead_implementer": KUOPIO,
        "current_version": 1,
    }
    assert body["planned_total"] == "1592580.00"
    assert body["actual_eligible"] == "0.00" and body["utilisation_percent"] == "0.00"
    sources = {s["source"]: s for s in body["funding_by_source"]}
    assert sources["esr"]["planned"] == "1274064.00" and sources["esr"]["share_percent"] == "80.00"
    assert sources["own"]["planned"] == "318516.00" and sources["own"]["share_percent"] == "20.00"
    caps = {(c["implementer"], c["year"]): c for c in body["own_funding_caps"]}
    assert caps[(KUOPIO, None)]["cap"] == "227148.00" and caps[(KUOPIO, None)]["planned"] == "227148.00"
    for year in (2020, 2021, 2022):
        assert caps[(KUOPIO, year)]["cap"] == "75716.00" and caps[(KUOPIO, year)]["status"] == "within"
    assert "as_of" in body and "rounding_rule" in body

    funding = (
        await client.get(f"/projects/{idk}/figures/funding?as_of=2020-02-29", headers=auth("project_manager"))
    ).json()
    per_impl = {f["implementer"]: f for f in funding["by_implementer"]}
    assert per_impl[KUOPIO]["planned"] == "1135740.00"
    assert per_impl[SAVONIA]["planned"] == "456840.00"
    own = {i: {s["source"]: s["planned"] for s in f["sources"]}["own"] for i, f in per_impl.items()}
    assert own == {KUOPIO: "227148.00", SAVONIA: "91368.00"}


async def test_idk_as_decided_figures(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    """Today (and from the funder's decision on), the budget in force is the decided 1 532 910 €."""
    for query in ("", "?as_of=2020-03-16", "?as_of=2022-12-31"):
        body = (await client.get(f"/projects/{idk}/summary{query}", headers=auth("steering"))).json()
        assert body["planned_total"] == "1532910.00", query
        assert body["budget"]["number"] == 2 and body["budget"]["kind"] == "decided"
        assert body["budget"]["effective_from"] == "2020-03-16" and body["project"]["current_version"] == 2
    funding = (await client.get(f"/projects/{idk}/figures/funding", headers=auth("auditor"))).json()
    per_impl = {f["implementer"]: f["planned"] for f in funding["by_implementer"]}
    assert per_impl == {KUOPIO: "1076070.00", SAVONIA: "456840.00"}
    assert funding["budget"]["number"] == 2 and funding["scope"] == {"implementer": None}
    for name in ("utilisation", "own-funding", "forecast"):
        figure = (await client.get(f"/projects/{idk}/figures/{name}", headers=auth("auditor"))).json()
        assert figure["budget"]["number"] == 2 and figure["version"] == 2, name


async def test_shares_sum_exactly_and_caps_move(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    # 0.01 € of staff: flat 0.00, shares 0.01 → ESR 0.01 (rounded half up), own gets the remainder 0.00
    for n, amount in enumerate(["0.01", "333.33", "70000.00"]):
        r = await client.post(
            f"/projects/{idk}/costs", json=entry(voucher_ref=f"S{n}", amount=amount), headers=fin
        )
        assert r.status_code == 201, r.text
    body = (await client.get(f"/projects/{idk}/summary", headers=auth("auditor"))).json()
    staff = Decimal("70333.34")
    flat = Decimal("0.00") + Decimal("56.67") + Decimal("11900.00")  # per voucher, half up
    assert body["actual_eligible"] == f"{staff + flat:.2f}"
    parts = [Decimal(s["actual"]) for s in body["funding_by_source"]]
    assert sum(parts) == staff + flat
    caps = {(c["implementer"], c["year"]): c for c in body["own_funding_caps"]}
    assert caps[(KUOPIO, 2021)]["status"] == "within"
    # push Kuopio's 2021 own funding over 90 % of the cap, then over the cap
    await client.post(
        f"/projects/{idk}/costs", json=entry(voucher_ref="BIG", amount="300000.00"), headers=fin
    )
    caps = {
        (c["implementer"], c["year"]): c
        for c in (await client.get(f"/projects/{idk}/summary", headers=auth("admin"))).json()[
            "own_funding_caps"
        ]
    }
    assert caps[(KUOPIO, 2021)]["status"] == "exceeded"
    assert caps[(KUOPIO, None)]["status"] == "within"


async def test_utilisation_rows_sum_and_drill_down(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="A", amount="100.00"), headers=fin)
    await client.post(
        f"/projects/{idk}/costs",
        json=entry(voucher_ref="I", category="income", kind="income", amount="30.00"),
        headers=fin,
    )
    body = (await client.get(f"/projects/{idk}/figures/utilisation", headers=auth("steering"))).json()
    total = body["total"]
    assert total["planned"] == "1532910.00" and total["actual"] == "87.00"  # 100 + 17 flat − 30 income
    for group in ("rows", "by_implementer", "by_year", "by_category"):
        assert sum(Decimal(r["actual"]) for r in body[group]) == Decimal("87.00")
        assert sum(Decimal(r["planned"]) for r in body[group]) == Decimal("1532910.00")
    staff = next(
        r for r in body["rows"] if (r["implementer"], r["year"], r["category"]) == (KUOPIO, 2021, "staff")
    )
    assert staff["actual"] == "100.00"
    drill = (await client.get(local(staff["ledger"]), headers=auth("auditor"))).json()
    assert [e["voucher_ref"] for e in drill["items"]] == ["A"]
    income = next(r for r in body["rows"] if r["category"] == "income")
    assert income["actual"] == "-30.00"


async def test_as_of_and_forecast(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    for n, day in enumerate(["2020-01-10", "2020-02-10", "2020-02-20"]):
        await client.post(
            f"/projects/{idk}/costs",
            json=entry(voucher_ref=f"F{n}", entry_date=day, amount="100.00"),
            headers=fin,
        )
    mid = (await client.get(f"/projects/{idk}/summary?as_of=2020-02-15", headers=auth("admin"))).json()
    assert mid["actual_eligible"] == "234.00" and mid["as_of"] == "2020-02-15"
    fc = mid["forecast"]
    assert fc["months_elapsed"] == 2 and fc["months_total"] == 36
    assert fc["total"]["monthly_burn"] == "117.00" and fc["total"]["forecast"] == "4212.00"
    full = (await client.get(f"/projects/{idk}/summary", headers=auth("admin"))).json()
    assert full["actual_eligible"] == "351.00" and full["forecast"]["total"]["forecast"] == "351.00"


async def test_costs_by_pilot(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    pilot = PILOT_A
    await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="P1", pilot_id=pilot), headers=fin)
    await client.post(
        f"/projects/{idk}/costs",
        json=entry(voucher_ref="P2", category="purchased_services", amount="250.50", pilot_id=pilot),
        headers=fin,
    )
    await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="P3"), headers=fin)
    owner = auth("pilot_owner", subject="owner-a")
    body = (await client.get(f"/projects/{idk}/costs/by-pilot/{pilot}", headers=owner)).json()
    assert body["pilot_id"] == pilot and body["entries"] == 2 and body["total"] == "1420.50"
    assert body["by_category"] == [
        {"category": "flat_rate", "amount": "170.00"},
        {"category": "purchased_services", "amount": "250.50"},
        {"category": "staff", "amount": "1000.00"},
    ]
    assert (
        await client.get(f"/projects/{idk}/costs/by-pilot/{pilot}", headers=auth("champion"))
    ).status_code == 403


async def test_summary_roles(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    for role in ("admin", "project_manager", "steering", "auditor"):
        assert (await client.get(f"/projects/{idk}/summary", headers=auth(role))).status_code == 200
    fin = auth("finance", implementer=SAVONIA)
    assert (await client.get(f"/projects/{idk}/summary", headers=fin)).status_code == 200
    assert (await client.get(f"/projects/{idk}/summary", headers=auth("finance"))).status_code == 403
    for role in ("pilot_owner", "champion", "hr_sync"):
        assert (await client.get(f"/projects/{idk}/summary", headers=auth(role))).status_code == 403
    assert (await client.get("/projects/NOPE/summary", headers=auth("admin"))).status_code == 404


async def test_summary_table_matches_ledger(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    ids = []
    for n in range(5):
        r = await client.post(
            f"/projects/{idk}/costs", json=entry(voucher_ref=f"C{n}", amount=f"{n + 1}0.05"), headers=fin
        )
        ids.append(r.json()["id"])
    v1 = fin | {"If-Match": '"v1"'}
    await client.patch(f"/projects/{idk}/costs/{ids[0]}", json={"entry_date": "2022-05-01"}, headers=v1)
    await client.patch(f"/projects/{idk}/costs/{ids[1]}", json={"category": "travel"}, headers=v1)
    await client.delete(f"/projects/{idk}/costs/{ids[2]}", headers=v1)
    check = await client.post(f"/projects/{idk}/admin/summaries/check", headers=auth("admin"))
    assert check.status_code == 200 and check.json()["consistent"] is True, check.json()
    assert check.json()["cells_checked"] == 3
    assert (await client.post(f"/projects/{idk}/admin/summaries/check", headers=fin)).status_code == 403


async def test_summary_check_finds_and_rebuilds_drift(
    client: httpx.AsyncClient, auth: Auth, idk: str, settings: object
) -> None:
    from sqlalchemy import text

    from hanke_libs.db import standalone_database

    fin = auth("finance", implementer=KUOPIO)
    await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="D1", amount="10.00"), headers=fin)
    async with standalone_database(settings.resolved_database_url()) as db:
        async with db.write_session() as session:
            conn = await session.connection()
            await conn.execute(text("UPDATE ledger_summary SET amount = amount + 1"))
            await session.commit()
    assert (await client.get(f"/projects/{idk}/summary", headers=fin)).json()["actual_eligible"] == "11.71"
    admin = auth("admin")
    found = (await client.post(f"/projects/{idk}/admin/summaries/check", headers=admin)).json()
    assert found["consistent"] is False and found["rebuilt"] is False
    assert found["differences"][0]["ledger"]["amount"] == "10.00"
    assert found["differences"][0]["summary"]["amount"] == "10.01"
    fixed = (await client.post(f"/projects/{idk}/admin/summaries/check?rebuild=true", headers=admin)).json()
    assert fixed["rebuilt"] is True
    again = (await client.post(f"/projects/{idk}/admin/summaries/check", headers=admin)).json()
    assert again["consistent"] is True
    assert (await client.get(f"/projects/{idk}/summary", headers=fin)).json()["actual_eligible"] == "11.70"
