"""The ledger summary (implementer × category × month), kept in the same transaction as each write.

:func:`apply` adds deltas with one upsert; :func:`check` recomputes the summary from the ledger and
reports differences; with ``rebuild`` it also replaces the stored summary by the recomputed one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, cast, delete, extract, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.models import CostEntry, LedgerSummary

ZERO = Decimal("0.00")
Key = tuple[str, str, int]  # implementer, category, yyyymm
SUMMARY = LedgerSummary.__table__  # type: ignore[attr-defined]
LEDGER = CostEntry.__table__  # type: ignore[attr-defined]


def month_of(day: dt.date) -> int:
    return day.year * 100 + day.month


class Deltas:
    """Changes to the summary collected during one write."""

    def __init__(self) -> None:
        self.rows: dict[Key, list[Any]] = {}

    def add(self, entry: CostEntry, sign: int = 1) -> None:
        self.add_values(
            entry.implementer, entry.category_code, entry.entry_date, entry.amount, entry.flat_amount, sign
        )

    def add_values(
        self, implementer: str, category: str, day: dt.date, amount: Decimal, flat: Decimal, sign: int = 1
    ) -> None:
        row = self.rows.setdefault((implementer, category, month_of(day)), [ZERO, ZERO, 0])
        row[0] += amount * sign
        row[1] += flat * sign
        row[2] += sign

    def extend(self, entries: Iterable[CostEntry], sign: int = 1) -> None:
        for entry in entries:
            self.add(entry, sign)


async def apply(session: AsyncSession, project_id: int, deltas: Deltas) -> None:
    """Upsert the deltas into the summary (one statement, inside the caller's transaction)."""
    rows = [
        {
            "project_id": project_id,
            "implementer": impl,
            "category_code": cat,
            "month": month,
            "amount": amount,
            "flat_amount": flat,
            "entries": count,
        }
        for (impl, cat, month), (amount, flat, count) in sorted(deltas.rows.items())
        if amount or flat or count
    ]
    if not rows:
        return
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SUMMARY)
    stmt = stmt.on_conflict_do_update(
        index_elements=["project_id", "implementer", "category_code", "month"],
        set_={
            "amount": SUMMARY.c.amount + stmt.excluded.amount,
            "flat_amount": SUMMARY.c.flat_amount + stmt.excluded.flat_amount,
            "entries": SUMMARY.c.entries + stmt.excluded.entries,
        },
    )
    await conn.execute(stmt, rows)


def ledger_month():  # type: ignore[no-untyped-def]
    d = LEDGER.c.entry_date
    return cast(extract("year", d) * 100 + extract("month", d), Integer)


async def recompute(session: AsyncSession, project_id: int) -> dict[Key, tuple[Decimal, Decimal, int]]:
    """The summary as the ledger says it should be (a full GROUP BY over the project's ledger)."""
    month = ledger_month().label("month")
    stmt = (
        select(
            LEDGER.c.implementer,
            LEDGER.c.category_code,
            month,
            func.sum(LEDGER.c.amount),
            func.sum(LEDGER.c.flat_amount),
            func.count(),
        )
        .where(LEDGER.c.project_id == project_id)
        .group_by(LEDGER.c.implementer, LEDGER.c.category_code, month)
    )
    conn = await session.connection()
    return {(r[0], r[1], int(r[2])): (r[3], r[4], int(r[5])) for r in await conn.execute(stmt)}


async def stored(session: AsyncSession, project_id: int) -> dict[Key, tuple[Decimal, Decimal, int]]:
    stmt = select(SUMMARY).where(SUMMARY.c.project_id == project_id)
    conn = await session.connection()
    return {
        (r.implementer, r.category_code, r.month): (r.amount, r.flat_amount, r.entries)
        for r in await conn.execute(stmt)
        if r.amount or r.flat_amount or r.entries
    }


async def check(session: AsyncSession, project_id: int, *, rebuild: bool = False) -> dict[str, Any]:
    """Compare the summary with the ledger; with ``rebuild`` replace it by the recomputed one."""
    want = await recompute(session, project_id)
    have = await stored(session, project_id)
    differences = []
    for key in sorted(set(want) | set(have)):
        w = want.get(key, (ZERO, ZERO, 0))
        h = have.get(key, (ZERO, ZERO, 0))
        if w != h:
            differences.append(
                {
                    "implementer": key[0],
                    "category": key[1],
                    "month": f"{key[2] // 100:04d}-{key[2] % 100:02d}",
                    "ledger": {"amount": f"{w[0]:.2f}", "flat_amount": f"{w[1]:.2f}", "entries": w[2]},
                    "summary": {"amount": f"{h[0]:.2f}", "flat_amount": f"{h[1]:.2f}", "entries": h[2]},
                }
            )
    if rebuild and differences:
        conn = await session.connection()
        await conn.execute(delete(SUMMARY).where(SUMMARY.c.project_id == project_id))
        deltas = Deltas()
        deltas.rows = {k: [v[0], v[1], v[2]] for k, v in want.items()}
        await apply(session, project_id, deltas)
    return {
        "consistent": not differences,
        "cells_checked": len(set(want) | set(have)),
        "differences": differences,
        "rebuilt": bool(rebuild and differences),
    }
