"""Ledger import: the sample extract, dry run vs real, idempotent, bad rows by line, round trip."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.budget.conftest import KUOPIO, SAVONIA, StaticPilots, fresh

Auth = Callable[..., dict[str, str]]
SAMPLE = (Path(__file__).parent / "data" / "ledger-extract.csv").read_bytes()  # copy of ../shared/data
HEADER = "Tosite;Tositepäivä;Tili;Tilin nimi;Kustannuspaikka;Projekti;Selite;Debet;Kredit\r\n"


async def upload(
    client: httpx.AsyncClient,
    idk: str,
    headers: dict[str, str],
    content: bytes,
    *,
    dry_run: bool,
    name: str = "x.csv",
) -> httpx.Response:
    return await client.post(
        f"/projects/{idk}/ledger/import?dry_run={str(dry_run).lower()}&implementer={KUOPIO}",
        files={"file": (name, content)},
        headers=headers,
    )


async def test_sample_extract_dry_run_real_and_again(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    content = SAMPLE
    dry = await upload(client, idk, fin, content, dry_run=True)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["rows"] == 900 and report["added"] == 900 and report["rejected"] == 0
    assert report["lines"][0] == {"line": 2, "voucher": "2021-70000", "action": "add"}
    assert (await client.get(f"/projects/{idk}/costs", headers=fin)).json()["items"] == []

    real = await upload(client, idk, fin, content, dry_run=False)
    assert real.status_code == 200 and real.json()["added"] == 900
    again = (await upload(client, idk, fin, content, dry_run=False)).json()
    assert again["added"] == 0 and again["changed"] == 0 and again["unchanged"] == 900

    credit = (await client.get(f"/projects/{idk}/costs?voucher_ref=2022-70522", headers=fin)).json()["items"][
        0
    ]
    assert credit["kind"] == "correction" and credit["amount"] == "-24.57" and credit["category"] == "staff"
    income = (await client.get(f"/projects/{idk}/costs?voucher_ref=2020-70107", headers=fin)).json()["items"][
        0
    ]
    assert income["kind"] == "income" and income["amount"] == "6101.55"
    check = (await client.post(f"/projects/{idk}/admin/summaries/check", headers=auth("admin"))).json()
    assert check["consistent"] is True
    summary = (await client.get(f"/projects/{idk}/summary", headers=fin)).json()
    assert summary["actual_eligible"] != "0.00"
    imported = (await client.get("/audit?entity_type=cost_entry&limit=200", headers=auth("auditor"))).json()
    assert imported["items"][0]["action"] == "import"


async def test_changed_row_and_round_trip(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    rows = (
        HEADER
        + "A-1;3.2.2020;4000;Palkat;1721;S21894;Palkat 2/2020;1 000,00;\r\nA-2;4.2.2020;4410;Matkat;1721;S21894;Matka;55,10;\r\n"
    )
    assert (await upload(client, idk, fin, rows.encode(), dry_run=False)).json()["added"] == 2
    changed = rows.replace("55,10", "65,10")
    dry = (await upload(client, idk, fin, changed.encode(), dry_run=True)).json()
    assert dry["changed"] == 1 and dry["unchanged"] == 1
    assert dry["lines"][1]["changes"] == {"amount": ["55.10", "65.10"]}
    assert (await upload(client, idk, fin, changed.encode(), dry_run=False)).json()["changed"] == 1
    for fmt in ("csv", "xlsx"):
        exported = await client.get(f"/projects/{idk}/ledger/export?format={fmt}", headers=fin)
        assert exported.status_code == 200
        back = (await upload(client, idk, fin, exported.content, dry_run=True, name=f"e.{fmt}")).json()
        assert back["unchanged"] == 2 and back["added"] == back["changed"] == back["rejected"] == 0, back
    template = await client.get(f"/projects/{idk}/ledger/template", headers=fin)
    assert template.content.decode("utf-8-sig").startswith("Tosite;Tositepäivä;Tili")
    check = (await client.post(f"/projects/{idk}/admin/summaries/check", headers=auth("admin"))).json()
    assert check["consistent"] is True


async def test_bad_rows_reject_the_whole_file(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    rows = HEADER + "\r\n".join(
        [
            "B-1;3.2.2020;4000;Palkat;1721;S21894;ok;100,00;",
            "B-2;31.2.2020;4000;Palkat;1721;S21894;impossible date;100,00;",
            "B-3;3.2.2020;4000;Palkat;1721;S21894;three decimals;100,005;",
            "B-4;3.2.2020;9999;Outo;1721;S21894;unmapped account;10,00;",
            "B-5;3.2.2023;4000;Palkat;1721;S21894;after the period;10,00;",
            "B-1;3.2.2020;4000;Palkat;1721;S21894;duplicate voucher;100,00;",
            "B-6;3.2.2020;4000;Palkat;1721;S21894;both sides;10,00;5,00",
            "B-7;3.2.2020;3300;Tuet;1721;S21894;income as debit;10,00;",
            "B-8;3.2.2020;4000;Palkat;1721;S99999;other project;10,00;",
        ]
    )
    dry = (await upload(client, idk, fin, rows.encode(), dry_run=True)).json()
    rejected = {x["line"]: x["errors"][0] for x in dry["lines"] if x["action"] == "reject"}
    assert sorted(rejected) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "not a date" in rejected[3] and "more than two decimals" in rejected[4]
    assert "not in the account mapping" in rejected[5] and "outside the project period" in rejected[6]
    assert "line 2" in rejected[7] and "exactly one" in rejected[8] and "S99999" in rejected[10]
    real = await upload(client, idk, fin, rows.encode(), dry_run=False)
    assert real.status_code == 422
    assert sorted(e["line"] for e in real.json()["errors"]) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert (await client.get(f"/projects/{idk}/costs", headers=fin)).json()["items"] == []
    missing = await upload(client, idk, fin, b"Tosite;Debet\r\nX;1,00\r\n", dry_run=True)
    assert missing.status_code == 422 and "Tositepäivä" in missing.json()["detail"]


async def test_import_respects_finance_scope_and_roles(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    rows = (
        HEADER.replace("Kredit", "Kredit;Kustannuslaji;Toteuttaja")
        + f"C-1;3.2.2020;;;;;x;10,00;;matkakustannukset;{KUOPIO}\r\n"
    )
    savonia = auth("finance", implementer=SAVONIA)
    dry = (await upload(client, idk, savonia, rows.encode(), dry_run=True)).json()
    assert dry["rejected"] == 1 and "may not book" in dry["lines"][0]["errors"][0]
    ok = (await upload(client, idk, auth("finance", implementer=KUOPIO), rows.encode(), dry_run=True)).json()
    assert ok["added"] == 1
    assert (await upload(client, idk, auth("steering"), rows.encode(), dry_run=True)).status_code == 403


async def test_file_import_function_for_the_command(settings: object, idk: str, tmp_path: Path) -> None:
    from budget.ledger.imports import import_ledger_file

    path = tmp_path / "extract.csv"
    path.write_bytes(SAMPLE)
    url = settings.resolved_database_url()  # type: ignore[attr-defined]
    kw = {"database_url": url, "path": str(path), "project_code": idk, "pilots": StaticPilots()}
    dry = await import_ledger_file(**kw, implementer=KUOPIO)  # type: ignore[arg-type]
    assert dry.added == 900 and dry.dry_run
    real = await import_ledger_file(**kw, dry_run=False)  # type: ignore[arg-type]
    assert real.added == 900
    again = await import_ledger_file(**kw, dry_run=False)  # type: ignore[arg-type]
    assert again.unchanged == 900 and again.added == 0


async def test_windows_1252_and_iso_dates(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    rows = HEADER + "W-1; 2020-03-01 ;4000;Palkat ja palkkiot;1721;S21894;Lomaraha – kesä;1 234,50;\r\n"
    report = (await upload(client, idk, fin, rows.encode("cp1252"), dry_run=False)).json()
    assert report["added"] == 1, report
    booked = (await client.get(f"/projects/{idk}/costs?voucher_ref=W-1", headers=fin)).json()["items"][0]
    assert booked["description"] == "Lomaraha – kesä" and booked["entry_date"] == "2020-03-01"
    assert booked["amount"] == "1234.50" and booked["account_name"] == "Palkat ja palkkiot"


async def test_reimport_against_claims(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    rows = (
        HEADER
        + "R-1;3.2.2020;4000;Palkat;1721;S21894;x;100,00;\r\nR-2;4.2.2020;4000;Palkat;1721;S21894;y;50,00;\r\n"
    )
    await upload(client, idk, fin, rows.encode(), dry_run=False)
    period = {"period_start": "2020-01-01", "period_end": "2020-06-30"}
    assert (await client.post(f"/projects/{idk}/claims", json=period, headers=fin)).json()["entries"] == 2
    moved = rows.replace("3.2.2020", "3.8.2020")
    assert (await upload(client, idk, fin, moved.encode(), dry_run=False)).json()["changed"] == 1
    assert (await client.get(f"/projects/{idk}/claims/1", headers=fin)).json()["entries"] == 1
    one = f"/projects/{idk}/claims/1"
    submit = await client.post(
        f"{one}/status", json={"status": "submitted"}, headers=await fresh(client, one, fin)
    )
    assert submit.status_code == 200
    edited = moved.replace("50,00", "55,00")
    r = await upload(client, idk, fin, edited.encode(), dry_run=False)
    assert r.status_code == 422 and "payment claim 1" in r.json()["errors"][0]["reason"]
