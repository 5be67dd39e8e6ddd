"""The tabular reader through HTTP: the sample exports, encodings, delimiters, headers, limits, XLSX
defences and line-numbered errors, each a 4xx problem (never a UnicodeDecodeError, _csv.Error or 500)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, File, UploadFile
from openpyxl import Workbook
from starlette.concurrency import run_in_threadpool

from hanke_libs.app import create_base_app
from hanke_libs.settings import AppSettings
from hanke_libs.tabular import ImportErrors, TableSpec, parse_amount, parse_date, parse_text, read_table
from hanke_libs.testing import running

DATA = Path("/work/shared/data")
LEDGER = TableSpec.of(
    {
        "voucher": ("Tosite", "voucher"),
        "day": ("Tositepäivä", "date"),
        "description": ("Selite", "description"),
        "debit": ("Debet",),
        "credit": ("Kredit",),
    },
    required=["voucher", "day", "debit", "credit"],
    max_rows=1000,
    max_columns=20,
    max_field_chars=1000,
)
SPECS = {"ledger": LEDGER, "tiny": TableSpec.of({"a": ("A",), "b": ("B",)}, required=["a"], max_rows=3)}


def make_app() -> FastAPI:
    app = create_base_app(
        name="tabular-test",
        title="tabular",
        version="0",
        description="",
        settings=AppSettings(log_json=False),
        use_database=False,
    )
    router = APIRouter()

    @router.post("/import/{kind}")
    async def import_file(kind: str, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
        data = await file.read()
        errors = ImportErrors()
        table = await run_in_threadpool(read_table, data, file.filename, SPECS[kind], errors=errors)
        total = Decimal("0.00")
        for row in table.rows:
            errors.cell(row, "day", parse_date, required=kind == "ledger")
            errors.cell(row, "description", parse_text, max_length=200, multi_line=True)
            debit = errors.cell(row, "debit", parse_amount) or Decimal(0)
            credit = errors.cell(row, "credit", parse_amount) or Decimal(0)
            total += debit - credit
        errors.raise_if_any()
        return {
            "rows": len(table.rows),
            "lines": [r.line for r in table.rows],
            "first": {k: str(v) for k, v in table.rows[0].cells.items()} if table.rows else None,
            "total": str(total),
            "format": table.format,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "header_line": table.header_line,
        }

    app.include_router(router)
    return app


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as c:
        yield c


async def upload(
    api: httpx.AsyncClient, data: bytes, name: str = "x.csv", kind: str = "ledger"
) -> httpx.Response:
    return await api.post(f"/import/{kind}", files={"file": (name, data, "application/octet-stream")})


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + slug), body
    return body


HEADER = "Tosite;Tositepäivä;Selite;Debet;Kredit\r\n"


def csv_bytes(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return (HEADER + "".join(line + "\r\n" for line in lines)).encode(encoding)


# --- the sample exports ---


async def test_sample_ledger_extract_reads_with_exact_total(api: httpx.AsyncClient) -> None:
    body = (await upload(api, (DATA / "ledger-extract.csv").read_bytes())).json()
    assert body["rows"] == 900 and body["encoding"] == "utf-8-sig" and body["delimiter"] == ";"
    assert body["first"]["voucher"] == "2021-70000" and body["first"]["debit"] == "4 016,96"
    expected = sum(
        (
            (parse_amount(cols[7]) or Decimal(0)) - (parse_amount(cols[8]) or Decimal(0))
            for cols in (
                line.split(";")
                for line in (DATA / "ledger-extract.csv").read_text("utf-8-sig").splitlines()[1:]
            )
        ),
        Decimal("0.00"),
    )
    assert Decimal(body["total"]) == expected


@pytest.mark.parametrize(("name", "rows"), [("hr-export.csv", 400), ("hr-org-units.csv", None)])
def test_sample_hr_files_read(name: str, rows: int | None) -> None:
    names: dict[str, tuple[str, ...]] = {
        "code": ("Henkilönumero",),
        "name": ("Sukunimi",),
        "start": ("Palvelussuhde alkaa",),
    }
    if name == "hr-org-units.csv":
        names = {"code": ("Yksikkökoodi",), "name": ("Nimi",)}
    spec = TableSpec.of(names, required=["code", "name"])
    table = read_table((DATA / name).read_bytes(), name, spec)
    assert table.rows and all(r["code"] and r["name"] for r in table.rows)
    if rows is not None:
        assert len(table.rows) == rows
        errors = ImportErrors()
        for row in table.rows:
            errors.cell(row, "start", parse_date)
        assert not errors


def test_sample_account_categories_read() -> None:
    spec = TableSpec.of(
        {"from": ("Tili alkaen",), "to": ("Tili päättyen",), "cat": ("Kustannuslaji",)}, required=["from"]
    )
    table = read_table((DATA / "account-categories.csv").read_bytes(), None, spec)
    assert table.rows[0].cells == {"from": "4000", "to": "4299", "cat": "henkilöstökustannukset"}


# --- encodings and delimiters ---


async def test_windows_1252_and_utf16_and_no_bom(api: httpx.AsyncClient) -> None:
    line = "V1;1.2.2021;Kahvi ja pullat äö;12,50;"
    for encoding in ("cp1252", "utf-8", "utf-16"):
        body = (await upload(api, csv_bytes(line, encoding=encoding))).json()
        assert body["rows"] == 1 and body["first"]["description"] == "Kahvi ja pullat äö", encoding
    assert (await upload(api, csv_bytes(line, encoding="cp1252"))).json()["encoding"] == "cp1252"


@pytest.mark.parametrize(
    "data",
    [
        HEADER.encode() + b"V1;1.2.2021;\x81\x8d\x8f;1,00;\r\n",  # undefined in cp1252, invalid UTF-8
        b"\x00\x01\x02\x03binary\x00" * 50,
        "Tosite;Tositepäivä".encode("utf-16-le"),  # UTF-16 without BOM: NUL bytes
        b"%PDF-1.4\n\x00\x00",
    ],
)
async def test_bytes_that_are_not_text_are_400(api: httpx.AsyncClient, data: bytes) -> None:
    body = problem(await upload(api, data), 400, "unreadable-file")
    assert "CSV UTF-8" in body["detail"]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
async def test_delimiter_is_detected(api: httpx.AsyncClient, delimiter: str) -> None:
    text = delimiter.join(["Tosite", "Tositepäivä", "Selite", "Debet", "Kredit"]) + "\n"
    text += delimiter.join(["V1", "1.2.2021", '"Kahvi, pullat; tee"', '"12,50"', ""]) + "\n"
    body = (await upload(api, text.encode())).json()
    assert body["delimiter"] == delimiter and body["rows"] == 1 and body["total"] == "12.50"


async def test_excel_sep_line_stray_spaces_aliases_and_title_rows(api: httpx.AsyncClient) -> None:
    text = "sep=;\r\nPääkirjaote 2021;;;;\r\n\r\n  TOSITE ; tositepäivä;Selite  ;Debet;Kredit;Muu sarake\r\n"
    text += "  V1 ; 1.2.2021 ;  Kahvi  ; 12,50 ;;x\r\n"
    body = (await upload(api, text.encode())).json()
    assert body["header_line"] == 4 and body["lines"] == [5]
    assert body["first"] == {
        "voucher": "V1",
        "day": "1.2.2021",
        "description": "Kahvi",
        "debit": "12,50",
        "credit": "None",
    }


async def test_line_numbers_follow_multi_line_cells(api: httpx.AsyncClient) -> None:
    data = csv_bytes('V1;1.2.2021;"kaksi\r\nriviä";1,00;', "", "V2;31.2.2021;x;1,00;")
    body = problem(await upload(api, data), 422, "import-rejected")
    assert body["errors"] == [
        {"name": "day", "reason": "'31.2.2021' is not a date in the calendar", "line": 5}
    ]


# --- headers ---


async def test_missing_and_duplicated_columns_are_all_named(api: httpx.AsyncClient) -> None:
    body = problem(await upload(api, b"Tosite;Selite;Selite\r\nV1;a;b\r\n"), 422, "import-rejected")
    names = {e["name"] for e in body["errors"]}
    assert names == {"header.day", "header.debit", "header.credit", "header.description"}
    assert all(e["line"] == 1 for e in body["errors"]) and "Tositepäivä" in body["detail"]
    empty = problem(await upload(api, b"\r\n \r\n"), 422, "import-rejected")
    assert empty["errors"][0]["reason"] == "no header row"


# --- limits and line-numbered errors ---


async def test_every_bad_line_is_reported_not_only_the_first(api: httpx.AsyncClient) -> None:
    data = csv_bytes(
        "V1;31.2.2021;ok;1,00;",
        "V2;1.1.2021;ok;1,234;",
        "V3;1.1.2021;Kokeilu \u0001;1,00;",
        "V4;1.1.2021;ok;1,00;;extra",
        "V5;1.1.2021;" + "x" * 1001 + ";1,00;",
        "V6;1.1.2021;fine;1,00;",
    )
    body = problem(await upload(api, data), 422, "import-rejected")
    got = [(e["line"], e["name"]) for e in body["errors"]]
    assert got == [(2, "day"), (3, "debit"), (4, "description"), (5, "row"), (6, "description")]
    assert "longer than 1000" in body["errors"][-1]["reason"]


async def test_a_field_over_128_kb_is_a_line_numbered_422(api: httpx.AsyncClient) -> None:
    data = csv_bytes(
        "V1;1.1.2021;ok;1,00;", "V2;1.1.2021;" + '"' + "x" * 140_000 + '";1,00;', "V3;1.1.2021;ok;1,00;"
    )
    body = problem(await upload(api, data), 422, "import-rejected")
    assert body["errors"][-1]["line"] == 3 and "field larger than field limit" in body["errors"][-1]["reason"]


async def test_row_column_and_size_limits(api: httpx.AsyncClient) -> None:
    many = "A;B\r\n" + "".join(f"{i};x\r\n" for i in range(4))
    problem(await upload(api, many.encode(), kind="tiny"), 413, "too-many-rows")
    wide = HEADER.strip() + ";" + ";".join(f"c{i}" for i in range(30)) + "\r\n"
    problem(await upload(api, wide.encode()), 400, "too-many-columns")
    small = TableSpec.of({"a": ("A",)}, max_bytes=100)
    with pytest.raises(Exception) as caught:
        read_table(b"A\r\n" + b"x\r\n" * 100, "a.csv", small)
    assert (
        getattr(caught.value, "status", None) == 413 and getattr(caught.value, "slug", "") == "file-too-large"
    )


# --- XLSX ---


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def test_xlsx_typed_cells(api: httpx.AsyncClient) -> None:
    import datetime as dt

    data = xlsx(
        [
            ["Raportti"],
            ["Tosite", "Tositepäivä", "Selite", "Debet", "Kredit"],
            [70001, dt.datetime(2021, 2, 1), "  Kahvi ", 4016.96, None],
            [None, None, None, None, None],
            ["V2", "3.2.2021", "Tee", "1 000,00", 16.96],
        ]
    )
    body = (await upload(api, data, "ledger.xlsx")).json()
    assert body["format"] == "xlsx" and body["header_line"] == 2 and body["lines"] == [3, 5]
    assert body["total"] == "5000.00" and body["first"]["voucher"] == "70001"


async def test_broken_or_bombed_xlsx_is_a_4xx(api: httpx.AsyncClient) -> None:
    problem(await upload(api, b"PK\x03\x04 not really a zip", "a.xlsx"), 400, "unreadable-file")
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as z:
        z.writestr("hello.txt", "hi")
    problem(await upload(api, not_a_workbook.getvalue(), "a.xlsx"), 400, "unreadable-file")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (300 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    body = problem(await upload(api, bomb.getvalue(), "a.xlsx"), 413, "file-too-large")
    assert "unpacks to" in body["detail"]


def test_xlsx_limits_rows_blank_rows_and_columns() -> None:
    tiny = TableSpec.of({"a": ("A",)}, required=["a"], max_rows=3, max_columns=5)
    rows: list[list[Any]] = [["A"], *[[i] for i in range(5)]]
    with pytest.raises(Exception) as caught:
        read_table(xlsx(rows), "a.xlsx", tiny)
    assert getattr(caught.value, "slug", "") == "too-many-rows"
    padded: list[list[Any]] = [["A"], [1], *[[None] for _ in range(1100)], [2]]
    with pytest.raises(Exception) as caught:
        read_table(xlsx(padded), "a.xlsx", tiny)
    assert "blank rows" in str(caught.value)
    wide: list[list[Any]] = [["A"], [1, None, None, None, None, None, "far right"]]
    with pytest.raises(Exception) as caught:
        read_table(xlsx(wide), "a.xlsx", tiny)
    assert getattr(caught.value, "slug", "") == "too-many-columns"
    ok = read_table(xlsx([["A", "B"], [1, "ignored"]]), "a.xlsx", tiny)
    assert ok.rows[0].cells == {"a": 1} and ok.ignored_columns == ("B",)
