"""The ledger file format, both ways: the columns of the accounting system's extract (pääkirjaote).

Columns: Tosite; Tositepäivä; Tili; Tilin nimi; Kustannuspaikka; Projekti; Selite; Debet; Kredit,
then the optional Kustannuslaji (category code or Finnish name; overrides the account mapping),
Toteuttaja (implementer business id), Pilotti (pilot id) and, in exports only, Kiinteä osuus (the
computed flat rate, ignored on import). Amounts with a decimal comma (``4 016,96``), dates
``d.m.yyyy``; CSV is ``;``-separated UTF-8 with BOM and CRLF, as Excel writes it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from budget.models import CostEntry

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


def to_csv(rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[Sequence[Any]], title: str = "Kirjanpito") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
