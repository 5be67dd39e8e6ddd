"""Cost categories (kustannuslajit) and the default account mapping, as reference data.

Migration 0002 loads the same rows into a new database; :func:`ensure_reference_data` restores any
that are missing (idempotent), so a project can always rely on them.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.models import AccountMapping, CostCategory

# code, Finnish name, English name, kind, flat-rate base, replaced by a flat rate
CATEGORIES: list[tuple[str, str, str, str, bool, bool]] = [
    ("staff", "henkilöstökustannukset", "Staff costs", "cost", True, False),
    ("purchased_services", "ostopalvelut", "Purchased services", "cost", False, False),
    ("travel", "matkakustannukset", "Travel", "cost", False, False),
    ("equipment", "kone- ja laitehankinnat", "Equipment", "cost", False, False),
    ("rents", "vuokrat", "Rents", "cost", False, False),
    ("overheads", "toimisto- ja yleiskustannukset", "Office and overheads", "cost", False, True),
    ("other", "muut kustannukset", "Other costs", "cost", False, False),
    ("in_kind", "luontoissuoritukset", "In-kind contributions", "cost", False, False),
    (
        "flat_rate",
        "kiinteä prosenttiosuus (laskennallinen)",
        "Flat rate (computed)",
        "flat_rate",
        False,
        False,
    ),
    ("income", "tulot", "Income", "income", False, False),
]
FLAT_RATE = "flat_rate"
INCOME = "income"

# Default mapping from account ranges to categories (../shared/data/account-categories.csv).
DEFAULT_MAPPING: list[tuple[int, int, str]] = [
    (4000, 4299, "staff"),
    (4300, 4399, "purchased_services"),
    (4400, 4419, "travel"),
    (4420, 4699, "other"),
    (4700, 4799, "rents"),
    (3000, 3999, "income"),
]


async def ensure_reference_data(session: AsyncSession) -> list[str]:
    """Insert the categories and default mapping rows that are missing; returns what was added."""
    added: list[str] = []
    existing = {c.code for c in (await session.exec(select(CostCategory))).all()}
    for position, (code, fi, en, kind, base, replaced) in enumerate(CATEGORIES, start=1):
        if code not in existing:
            session.add(
                CostCategory(
                    code=code,
                    name_fi=fi,
                    name_en=en,
                    kind=kind,
                    position=position,
                    flat_rate_base=base,
                    replaced_by_flat_rate=replaced,
                )
            )
            added.append(f"cost category {code}")
    await session.flush()
    defaults = (await session.exec(select(AccountMapping).where(AccountMapping.project_id.is_(None)))).all()  # type: ignore[union-attr]
    if not defaults:
        for lo, hi, code in DEFAULT_MAPPING:
            session.add(AccountMapping(project_id=None, account_from=lo, account_to=hi, category_code=code))
        added.append("default account mapping")
        await session.flush()
    return added


async def category_map(session: AsyncSession) -> dict[str, CostCategory]:
    """Every category by code."""
    return {c.code: c for c in (await session.exec(select(CostCategory))).all()}


def public_category(c: CostCategory) -> dict[str, Any]:
    return {"code": c.code, "name_fi": c.name_fi, "name_en": c.name_en, "kind": c.kind}
