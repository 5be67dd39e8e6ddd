"""Measurement import from CSV/XLSX (dry run, all or nothing, repeatable) and export in the same shape."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
from openpyxl import Workbook, load_workbook

from tests.pilots.helpers import add_indicator, create_pilot

Auth = Callable[..., dict[str, str]]

GOOD_CSV = (
    "\ufeffexternal_id;indicator_name;measured_on;value;unit;source;respondents;narrative\r\n"
    "kysely-1;Reply time;31.1.2021;12,5;days;ticket system;;after the holidays\r\n"
    "kysely-2;Reply time;2021-02-28;10;days;ticket system;;\r\n"
)


def _upload(data: bytes, name: str = "m.csv") -> dict[str, tuple[str, bytes]]:
    return {"file": (name, data)}


async def test_csv_import_dry_run_then_real_then_repeat(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Imported")
    await add_indicator(client, pm, pilot["id"])
    url = f"/pilots/{pilot['id']}/measurements/import"
    dry = await client.post(url, params={"dry_run": "true"}, files=_upload(GOOD_CSV.encode()), headers=pm)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["created"], dry.json()["dry_run"], dry.json()["errors"]) == (2, True, [])
    assert (await client.get(f"/pilots/{pilot['id']}/measurements", headers=pm)).json()["total"] == 0
    real = await client.post(url, files=_upload(GOOD_CSV.encode()), headers=pm)
    assert (real.json()["created"], real.json()["updated"]) == (2, 0)
    again = await client.post(url, files=_upload(GOOD_CSV.encode()), headers=pm)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 2)
    changed = GOOD_CSV.replace("2021-02-28;10;", "2021-02-28;9,5;")
    update = await client.post(url, files=_upload(changed.lstrip("\ufeff").encode("cp1252")), headers=pm)
    assert (update.json()["created"], update.json()["updated"], update.json()["unchanged"]) == (0, 1, 1)
    items = (await client.get(f"/pilots/{pilot['id']}/measurements", headers=pm)).json()["items"]
    assert [(m["external_id"], m["value"], m["narrative"]) for m in items] == [
        ("kysely-1", 12.5, "after the holidays"),
        ("kysely-2", 9.5, None),
    ]


async def test_bad_rows_are_listed_with_line_numbers_and_nothing_is_written(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Bad file")
    await add_indicator(client, pm, pilot["id"])
    other = await create_pilot(client, pm, "Other")
    foreign = await add_indicator(client, pm, other["id"])
    bad = (
        "external_id;indicator_id;indicator_name;measured_on;value;unit\n"
        "ok-1;;Reply time;2021-01-31;12;days\n"
        f"x-2;{foreign['id']};;2021-01-31;12;days\n"
        "x-3;;Reply time;31.2.2021;12;days\n"
        "x-4;;Reply time;2021-01-31;lots;days\n"
        "x-5;;Reply time;2021-01-31;12;hours\n"
        ";;Reply time;2021-01-31;12;days\n"
        "ok-1;;Reply time;2021-02-28;11;days\n"
    )
    url = f"/pilots/{pilot['id']}/measurements/import"
    refused = await client.post(url, files=_upload(bad.encode()), headers=pm)
    assert refused.status_code == 422
    errors = [(e["line"], e["name"]) for e in refused.json()["errors"]]
    assert errors == [
        (3, "indicator_id"),
        (4, "measured_on"),
        (5, "value"),
        (6, "unit"),
        (7, "external_id"),
        (8, "external_id"),
    ]
    assert (await client.get(f"/pilots/{pilot['id']}/measurements", headers=pm)).json()["total"] == 0
    dry = await client.post(url, params={"dry_run": "true"}, files=_upload(bad.encode()), headers=pm)
    assert dry.status_code == 200 and len(dry.json()["errors"]) == 6 and dry.json()["created"] == 1
    junk = await client.post(url, files=_upload(b"PK\x03\x04 not really", "m.xlsx"), headers=pm)
    assert junk.status_code == 400


async def test_export_parses_back_and_reimports_unchanged(client: httpx.AsyncClient, auth: Auth) -> None:
    owner = auth("pilot_owner", subject="owner-x")
    pilot = await create_pilot(client, owner, "Round trip")
    ind = await add_indicator(
        client,
        owner,
        pilot["id"],
        kind="well_being_at_work",
        name="Engagement",
        unit="1-7",
        direction="higher",
        baseline=4,
        target=5,
        survey_based=True,
    )
    for day, value, n in (("2021-03-01", 4.4, 25), ("2021-06-01", 4.9, 6)):
        await client.post(
            f"/pilots/{pilot['id']}/measurements",
            json={"indicator_id": ind["id"], "measured_on": day, "value": value, "respondents": n},
            headers=owner,
        )
    url = f"/pilots/{pilot['id']}/measurements/export"
    exported = await client.get(url, headers=owner)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert [(r["measured_on"], r["value"], r["respondents"], r["unit"]) for r in rows] == [
        ("1.3.2021", "4,4", "25", "1-7"),  # as Finnish Excel writes them; the import reads them back
        ("1.6.2021", "4,9", "6", "1-7"),
    ]
    xlsx = await client.get(url, params={"format": "xlsx"}, headers=owner)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:5] == ("external_id", "indicator_id", "indicator_name", "measured_on", "value")
    assert values[1][4] == 4.4 and values[2][7] == 6
    for name, data in (("m.csv", exported.content), ("m.xlsx", xlsx.content)):
        again = await client.post(
            f"/pilots/{pilot['id']}/measurements/import", files=_upload(data, name), headers=owner
        )
        assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 2), (
            name
        )
    steering = await client.get(url, headers=auth("steering"))
    assert (
        len(steering.content.decode("utf-8-sig").strip().splitlines()) == 2
    )  # header + the 25-respondent row


async def test_xlsx_import(client: httpx.AsyncClient, auth: Auth) -> None:
    import datetime as dt

    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Workbook")
    await add_indicator(client, pm, pilot["id"])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["External_ID", "Indicator_Name", "Measured_On", "Value"])
    sheet.append(["w-1", "Reply time", dt.datetime(2021, 4, 30), 8])
    sheet.append([None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    response = await client.post(
        f"/pilots/{pilot['id']}/measurements/import", files=_upload(out.getvalue(), "m.xlsx"), headers=pm
    )
    assert response.status_code == 200 and response.json()["created"] == 1, response.text
    item = (await client.get(f"/pilots/{pilot['id']}/measurements", headers=pm)).json()["items"][0]
    assert (item["measured_on"], item["value"]) == ("2021-04-30", 8)


async def test_files_that_are_not_measurements_are_refused(client: httpx.AsyncClient, auth: Auth) -> None:
    """Issue 10: a file without the expected columns (and no data rows) was a 200 with dry_run=false."""
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Strict import")
    url = f"/pilots/{pilot['id']}/measurements/import"
    for data in (b"foo;bar\n", b"external_id;value\n"):
        refused = await client.post(url, files=_upload(data), headers=pm)
        assert refused.status_code == 422 and refused.json()["type"].endswith("/import-rejected"), (
            refused.text
        )
        assert "measured_on" in refused.json()["detail"]
    not_text = await client.post(url, files=_upload(bytes(range(256)) * 4), headers=pm)
    assert not_text.status_code == 400
    huge_field = (
        "external_id;indicator_name;measured_on;value;narrative\nx;Reply time;2021-01-01;1;"
        + "a" * 140_000
        + "\n"
    ).encode()
    await add_indicator(client, pm, pilot["id"])
    too_long = await client.post(url, files=_upload(huge_field), headers=pm)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["line"] == 2
