"""The ledger file format, both ways: the columns of the accounting system's extract (pääkirjaote).

Columns: Tosite; Tositepäivä; Tili; Tilin nimi; Kustannuspaikka; Projekti; Selite; Debet; Kredit,
then the optional Kustannuslaji (category code or Finnish name; overrides the account mapping),
Toteuttaja (implementer business id), Pilotti (pilot id) and, in exports only, Kiinteä osuus (the
computed flat rate, ignored on import). Amounts with a decimal comma (``4 016,96``), dates
``d.m.yyyy``; CSV is ``;``-separated UTF-8 with BOM and CRLF, as Excel writes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook

from budget.models import CostEntry
from hanke_libs.inputs import parse_strict_date
from hanke_libs.problems import BadRequest, InvalidParam, UnprocessableContent

COLUMNS = [
    "Tosite",
    "Tositepäivä",
    "Tili",
    "Tilin nimi",
    "Kustannuspaikka",
    "Projekti",
    "Selite",
    "Debet",
    "Kredit",
    "Kustannuslaji",
    "Toteuttaja",
    "Pilotti",
    "Kiinteä osuus",
]
REQUIRED = COLUMNS[:9]
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 500_000
DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


def fi_amount(value: Decimal) -> str:
    """``4016.96`` → ``4 016,96`` (no-break free: a plain space as thousands separator)."""
    sign = "-" if value < 0 else ""
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{' '.join(groups)},{cents}"


def entry_row(entry: CostEntry, project_code: str) -> list[str]:
    debit = credit = ""
    if entry.kind == "income":
        credit = fi_amount(entry.amount)
    elif entry.amount < 0:
        credit = fi_amount(-entry.amount)
    else:
        debit = fi_amount(entry.amount)
    day = entry.entry_date
    return [
        entry.voucher_ref,
        f"{day.day}.{day.month}.{day.year}",
        entry.account or "",
        entry.account_name or "",
        entry.cost_centre or "",
        project_code,
        entry.description,
        debit,
        credit,
        entry.category_code,
        entry.implementer,
        entry.pilot_id or "",
        fi_amount(entry.flat_amount) if entry.flat_amount else "",
    ]


PERSONAL_COLUMNS = ("Selite",)
"""Columns holding free text people wrote: dropped for callers who may not see personal data."""


def to_csv(rows: Iterable[Sequence[Any]], columns: Sequence[str] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    rows: Iterable[Sequence[Any]], title: str = "Kirjanpito", columns: Sequence[str] = COLUMNS
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_rows(content: bytes, filename: str | None = None) -> list[tuple[int, dict[str, str]]]:
    """(line number, row by column name) from CSV (UTF-8 with or without BOM, or Windows-1252) or XLSX."""
    if content[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise BadRequest(
                f"The file is not a readable XLSX workbook: {exc}.", slug="unreadable-file"
            ) from exc
        raw = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        table = [[_cell(v) for v in row] for row in raw]
        numbered = list(enumerate(table, start=1))
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252")
        first = text.split("\n", 1)[0]
        delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        numbered = [(reader.line_num, row) for row in reader]
    if not numbered:
        raise BadRequest("The file is empty.", slug="empty-file")
    header = [h.strip().lstrip("\ufeff") for h in numbered[0][1]]
    lower = {h.casefold(): h for h in header}
    missing = [c for c in REQUIRED if c.casefold() not in lower]
    if missing:
        raise UnprocessableContent(
            "The file lacks the columns: "
            + ", ".join(missing)
            + ". Download the template for the expected columns.",
            slug="import-columns-missing",
            errors=[InvalidParam(name=c, reason="column missing", line=1) for c in missing],
        )
    names = {c: header.index(lower[c.casefold()]) for c in COLUMNS if c.casefold() in lower}
    out = []
    for line, row in numbered[1:]:
        if not any(str(v).strip() for v in row):
            continue
        out.append((line, {c: str(row[i]).strip() if i < len(row) else "" for c, i in names.items()}))
    if len(out) > MAX_ROWS:
        raise BadRequest(f"At most {MAX_ROWS} rows per file.", slug="import-too-large")
    return out


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return f"{day.day}.{day.month}.{day.year}"
    if isinstance(value, float):
        return f"{Decimal(str(value)):f}"
    return str(value)


def parse_date(text: str) -> dt.date:
    m = DATE.match(text)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    return parse_strict_date(text.strip())


Section = tuple[list[str] | None, list[list[Any]]]
"""A part of a document: its column header (or None) and its rows."""


def document_csv(sections: Sequence[Section]) -> bytes:
    """Sections one after another, a blank line between them (a claim: header, vouchers, totals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for n, (columns, rows) in enumerate(sections):
        if n:
            writer.writerow([])
        if columns is not None:
            writer.writerow(columns)
        writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def document_xlsx(sections: Sequence[Section], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for n, (columns, rows) in enumerate(sections):
        if n:
            sheet.append([])
        if columns is not None:
            sheet.append(list(columns))
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
