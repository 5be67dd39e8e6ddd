"""Figures: utilisation, funding split, own-funding caps, forecast. Exact to the cent.

Actual amounts come from the ledger summary (implementer × category × month), never from a scan of
the ledger. With ``as_of`` inside a month, the whole months before it come from the summary and only
that month's entries up to ``as_of`` from the ledger (an indexed date range). Eligible cost =
costs + computed flat rate − income. Rounding: see :mod:`budget.funding`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget import projects, summaries
from budget.categories import FLAT_RATE, INCOME
from budget.funding import RULE, flat_amount, own_part, share_percent, split
from budget.models import BudgetVersion, FundingSource, Project
from hanke_libs.money import round_cents

ZERO = Decimal("0.00")
Key = tuple[str, int, str]  # implementer, year, category


CAP_RULE = (
    "own funding = the own-funding part of the implementer's eligible cost (in the year, or in total) by the "
    "rounding rule; status: exceeded above the cap, at_risk from warn_percent of the cap, else within"
)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def percent(part: Decimal, whole: Decimal) -> str | None:
    return money(round_cents(part * 100 / whole)) if whole else None


@dataclass
class Base:
    project: Project
    version: BudgetVersion | None
    sources: list[FundingSource]
    planned: dict[Key, Decimal]
    actual: dict[Key, Decimal]
    as_of: dt.date


def ledger_link(project: Project, **filters: Any) -> str:
    query = urlencode({k: v for k, v in filters.items() if v is not None})
    return f"/projects/{project.code}/costs" + (f"?{query}" if query else "")


async def actual_cells(
    *, session: AsyncSession, project: Project, as_of: dt.date | None
) -> dict[Key, Decimal]:
    """Effect on eligible cost per implementer × year × category (flat rate and income as categories)."""
    t = summaries.SUMMARY
    stmt = select(t.c.implementer, t.c.category_code, t.c.month, t.c.amount, t.c.flat_amount).where(
        t.c.project_id == project.id
    )
    if as_of is not None:
        stmt = stmt.where(t.c.month < summaries.month_of(as_of))
    conn = await session.connection()
    rows: list[tuple[str, str, int, Decimal, Decimal]] = [
        (r[0], r[1], r[2] // 100, r[3], r[4]) for r in await conn.execute(stmt)
    ]
    if as_of is not None:
        led = summaries.LEDGER
        partial = (
            select(
                led.c.implementer, led.c.category_code, func.sum(led.c.amount), func.sum(led.c.flat_amount)
            )
            .where(
                led.c.project_id == project.id,
                led.c.entry_date >= as_of.replace(day=1),
                led.c.entry_date <= as_of,
            )
            .group_by(led.c.implementer, led.c.category_code)
        )
        rows += [(r[0], r[1], as_of.year, r[2], r[3]) for r in await conn.execute(partial)]
    cells: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for impl, cat, year, amount, flat in rows:
        if cat == INCOME:
            cells[(impl, year, INCOME)] -= amount
        else:
            cells[(impl, year, cat)] += amount
            if flat:
                cells[(impl, year, FLAT_RATE)] += flat
    return {k: v for k, v in cells.items() if v or k[2] != INCOME}


async def base(*, session: AsyncSession, project: Project, as_of: dt.date | None) -> Base:
    version = await projects.current_version(session=session, project=project)
    planned: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    rate = projects.flat_rate(project)
    if version is not None:
        for line in await projects.lines(session=session, version=version):
            planned[(line.implementer, line.year, line.category_code)] += line.amount
            if line.category_code == "staff" and rate is not None:
                planned[(line.implementer, line.year, FLAT_RATE)] += flat_amount(line.amount, rate)
    return Base(
        project=project,
        version=version,
        sources=await projects.sources(session=session, project=project),
        planned=dict(planned),
        actual=await actual_cells(session=session, project=project, as_of=as_of),
        as_of=as_of or dt.date.today(),
    )


def total(cells: dict[Key, Decimal], implementer: str | None = None, year: int | None = None) -> Decimal:
    return sum((v for (i, y, _c), v in cells.items() if implementer in (None, i) and year in (None, y)), ZERO)


def cell_row(b: Base, planned: Decimal, actual: Decimal, **extra: Any) -> dict[str, Any]:
    return extra | {
        "planned": money(planned),
        "actual": money(actual),
        "remaining": money(planned - actual),
        "utilisation_percent": percent(actual, planned),
    }


def utilisation(b: Base) -> dict[str, Any]:
    """Plan vs actual per implementer × year × category, with totals that are sums of the rows."""
    p = b.project
    rows = []
    for impl, year, cat in sorted(set(b.planned) | set(b.actual)):
        category = "staff" if cat == FLAT_RATE else cat
        kind = "income" if cat == INCOME else None
        link = ledger_link(
            p,
            implementer=impl,
            category=category,
            kind=kind,
            date_from=f"{year}-01-01",
            date_to=min(dt.date(year, 12, 31), b.as_of).isoformat(),
        )
        rows.append(
            cell_row(
                b,
                b.planned.get((impl, year, cat), ZERO),
                b.actual.get((impl, year, cat), ZERO),
                implementer=impl,
                year=year,
                category=cat,
                ledger=link,
            )
        )

    def totals(index: int) -> list[dict[str, Any]]:
        keys = sorted({k[index] for k in set(b.planned) | set(b.actual)})
        out = []
        for key in keys:
            pl = sum((v for k, v in b.planned.items() if k[index] == key), ZERO)
            ac = sum((v for k, v in b.actual.items() if k[index] == key), ZERO)
            out.append(cell_row(b, pl, ac, **{("implementer", "year", "category")[index]: key}))
        return out

    return {
        "project": p.code,
        "version": b.version.number if b.version else None,
        "as_of": b.as_of.isoformat(),
        "how": "planned: lines of the current budget version (flat rate computed from the staff lines); "
        "actual: ledger summary up to as_of; income rows are negative (they reduce eligible cost); "
        "every total is the sum of its rows. " + RULE,
        "rows": rows,
        "by_implementer": totals(0),
        "by_year": totals(1),
        "by_category": totals(2),
        "total": cell_row(b, total(b.planned), total(b.actual)),
    }


def funding(b: Base) -> list[dict[str, Any]]:
    planned = split(total(b.planned), b.sources)
    actual = split(total(b.actual), b.sources)
    return [
        {
            "source": s.code,
            "name": s.name,
            "kind": s.kind,
            "share_percent": money(share_percent(s)),
            "planned": money(planned[s.code]),
            "actual": money(actual[s.code]),
            "remaining": money(planned[s.code] - actual[s.code]),
        }
        for s in b.sources
    ]


def funding_by_implementer(b: Base) -> list[dict[str, Any]]:
    implementers = sorted({k[0] for k in set(b.planned) | set(b.actual)})
    out = []
    for impl in implementers:
        pl, ac = total(b.planned, impl), total(b.actual, impl)
        ps, as_ = split(pl, b.sources), split(ac, b.sources)
        out.append(
            {
                "implementer": impl,
                "planned": money(pl),
                "actual": money(ac),
                "sources": [
                    {"source": s.code, "planned": money(ps[s.code]), "actual": money(as_[s.code])}
                    for s in b.sources
                ],
            }
        )
    return out


async def own_funding(*, session: AsyncSession, b: Base) -> list[dict[str, Any]]:
    """Own funding against each cap: exceeded above the cap, at_risk from its warn_percent, else within."""
    out = []
    for cap in await projects.caps(session=session, project=b.project):
        planned = own_part(total(b.planned, cap.implementer, cap.year), b.sources)
        actual = own_part(total(b.actual, cap.implementer, cap.year), b.sources)
        if actual > cap.cap:
            status = "exceeded"
        elif actual * 100 >= cap.cap * cap.warn_percent:
            status = "at_risk"
        else:
            status = "within"
        year = cap.year
        out.append(
            {
                "implementer": cap.implementer,
                "year": year,
                "cap": money(cap.cap),
                "planned": money(planned),
                "actual": money(actual),
                "remaining": money(cap.cap - actual),
                "status": status,
                "warn_percent": cap.warn_percent,
                "ledger": ledger_link(
                    b.project,
                    implementer=cap.implementer,
                    date_from=f"{year}-01-01" if year else None,
                    date_to=f"{year}-12-31" if year else None,
                ),
            }
        )
    return out


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def forecast(b: Base) -> dict[str, Any]:
    """Actual so far plus the monthly burn rate so far times the months left in the period."""
    p = b.project
    end = min(max(b.as_of, p.period_start), p.period_end)
    elapsed = months_between(p.period_start, end) if b.as_of >= p.period_start else 0
    months = months_between(p.period_start, p.period_end)

    def one(planned: Decimal, actual: Decimal) -> dict[str, Any]:
        burn = round_cents(actual / elapsed) if elapsed else ZERO
        projected = actual + burn * (months - elapsed) if elapsed else actual
        return {
            "planned": money(planned),
            "actual": money(actual),
            "monthly_burn": money(burn),
            "forecast": money(projected),
            "forecast_minus_planned": money(projected - planned),
        }

    implementers = sorted({k[0] for k in set(b.planned) | set(b.actual)})
    return {
        "months_total": months,
        "months_elapsed": elapsed,
        "how": "monthly_burn = round_half_up(actual ÷ months elapsed); forecast = actual + monthly_burn × months left",
        "total": one(total(b.planned), total(b.actual)),
        "by_implementer": [
            {"implementer": i} | one(total(b.planned, i), total(b.actual, i)) for i in implementers
        ],
    }


async def summary(*, session: AsyncSession, project: Project, as_of: dt.date | None) -> dict[str, Any]:
    b = await base(session=session, project=project, as_of=as_of)
    planned, actual = total(b.planned), total(b.actual)
    return {
        "project": {
            "code": project.code,
            "name": project.name,
            "period_start": project.period_start.isoformat(),
            "period_end": project.period_end.isoformat(),
            "cost_model": project.cost_model,
            "lead_implementer": project.lead_implementer,
            "current_version": b.version.number if b.version else None,
        },
        "as_of": b.as_of.isoformat(),
        "planned_total": money(planned),
        "actual_eligible": money(actual),
        "remaining": money(planned - actual),
        "utilisation_percent": percent(actual, planned),
        "funding_by_source": funding(b),
        "own_funding_caps": await own_funding(session=session, b=b),
        "forecast": forecast(b),
        "rounding_rule": RULE,
        "cap_rule": CAP_RULE,
        "links": {
            "utilisation": f"/projects/{project.code}/figures/utilisation",
            "funding": f"/projects/{project.code}/figures/funding",
            "ledger": ledger_link(project, date_to=as_of.isoformat() if as_of else None),
        },
    }
