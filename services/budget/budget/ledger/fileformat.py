"""The ledger file format, both ways: the columns of the accounting system's extract (pääkirjaote),
read and written with :mod:`hanke_libs.tabular` (the one CSV/XLSX reader and writer).

Columns: Tosite; Tositepäivä; Tili; Tilin nimi; Kustannuspaikka; Projekti; Selite; Debet; Kredit,
then the optional Kustannuslaji (category code or Finnish name; overrides the account mapping),
Toteuttaja (implementer business id), Pilotti (pilot id) and, in exports only, Kiinteä osuus (the
computed flat rate, ignored on import). CSV is ``;``-separated UTF-8 with BOM and CRLF, amounts with
a decimal comma and a space between thousands (``4 016,96``), dates ``d.m.yyyy``, as Excel writes
it; XLSX has typed date and money cells (a spreadsheet's SUM works) and user text neutralised
(OWASP CSV injection). An export imports again unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from budget.models import CostEntry
from hanke_libs.tabular import Column, CsvOptions, TableSpec, parse_amount, parse_date

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
FIELDS = dict(
    zip(
        COLUMNS,
        [
            "voucher",
            "day",
            "account",
            "account_name",
            "cost_centre",
            "project",
            "description",
            "debit",
            "credit",
            "category",
            "implementer",
            "pilot",
            "flat",
        ],
        strict=True,
    )
)
COLUMN_OF = {field: column for column, field in FIELDS.items()}
SPEC = TableSpec.of(
    {FIELDS[c]: (c,) for c in COLUMNS},
    required=[FIELDS[c] for c in REQUIRED],
    max_rows=500_000,
)
KINDS = {
    "Tosite": "text",
    "Tositepäivä": "date",
    "Tili": "text",
    "Kustannuspaikka": "text",
    "Debet": "money",
    "Kredit": "money",
    "Kiinteä osuus": "money",
}
CSV = CsvOptions(thousands_separator=" ")
PERSONAL_COLUMNS = ("Selite",)
"""Columns holding free text people wrote: dropped for callers who may not see personal data."""


def columns(names: Sequence[str] = COLUMNS) -> list[Column | str]:
    return [Column(n, KINDS[n]) if n in KINDS else n for n in names]  # type: ignore[arg-type]


def fi_amount(value: Decimal) -> str:
    """``4016.96`` → ``4 016,96`` (a plain space between thousands): how the snapshot keeps amounts."""
    sign = "-" if value < 0 else ""
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{' '.join(groups)},{cents}"


def entry_cells(entry: CostEntry, project_code: str) -> list[Any]:
    """One entry as typed cells in :data:`COLUMNS` order (dates as dates, amounts as Decimals)."""
    debit: Decimal | None = None
    credit: Decimal | None = None
    if entry.kind == "income":
        credit = entry.amount
    elif entry.amount < 0:
        credit = -entry.amount
    else:
        debit = entry.amount
    return [
        entry.voucher_ref,
        entry.entry_date,
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
        entry.flat_amount if entry.flat_amount else None,
    ]


def entry_row(entry: CostEntry, project_code: str) -> list[str]:
    """One entry as the text a frozen claim keeps of it (and compares with when it is verified)."""
    out = []
    for value in entry_cells(entry, project_code):
        if isinstance(value, Decimal):
            out.append(fi_amount(value))
        elif isinstance(value, dt.date):
            out.append(f"{value.day}.{value.month}.{value.year}")
        else:
            out.append("" if value is None else str(value))
    return out


def typed(voucher: Mapping[str, str]) -> list[Any]:
    """A frozen claim's voucher (text) as typed cells again, for its export."""
    out: list[Any] = []
    for column in COLUMNS:
        text = voucher.get(column, "")
        if KINDS.get(column) == "money":
            out.append(parse_amount(text) if text else None)
        elif KINDS.get(column) == "date":
            out.append(parse_date(text))
        else:
            out.append(text)
    return out
