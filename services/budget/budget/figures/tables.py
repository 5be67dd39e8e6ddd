"""The figure tables: plan vs actual, funding split, own funding against caps, forecast, summary.

Each body says which budget it compares with (``budget``: the version in force on ``as_of``) and
whose rows it covers (``scope``); every ledger link resolves through the gateway.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from budget.categories import FLAT_RATE, INCOME
from budget.figures.base import ZERO, Base, total
from budget.funding.rules import RULE, own_part, share_percent, split
from budget.links import Links
from hanke_libs.money import round_cents

CAP_RULE = (
    "own funding = the own-funding part of the implementer's eligible cost (in the year, or in total) by the "
    "rounding rule; status: exceeded above the cap, at_risk from warn_percent of the cap, else within"
)
BUDGET_RULE = (
    "planned: the lines of the budget version in force on as_of (see budget), flat rate computed from the staff "
    "lines; actual: ledger entries dated up to as_of"
)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def percent(part: Decimal, whole: Decimal) -> str | None:
    return money(round_cents(part * 100 / whole)) if whole else None


def head(b: Base) -> dict[str, Any]:
    """What every figure body starts with: the project, the date, the budget in force, the scope."""
    return {
        "project": b.project.code,
        "as_of": b.as_of.isoformat(),
        "budget": b.budget().model_dump(),
        "version": b.version.number if b.version else None,
        "scope": b.scope_body().model_dump(),
    }


def cell_row(planned: Decimal, actual: Decimal, **extra: Any) -> dict[str, Any]:
    return extra | {
        "planned": money(planned),
        "actual": money(actual),
        "remaining": money(planned - actual),
        "utilisation_percent": percent(actual, planned),
    }


def utilisation(b: Base, links: Links) -> dict[str, Any]:
    """Plan vs actual per implementer × year × category, with totals that are sums of the rows."""
    code = b.project.code
    rows = []
    for impl, year, cat in sorted(set(b.planned) | set(b.actual)):
        link = links.ledger(
            code,
            implementer=impl,
            category="staff" if cat == FLAT_RATE else cat,
            kind="income" if cat == INCOME else None,
            date_from=f"{year}-01-01",
            date_to=min(dt.date(year, 12, 31), b.as_of).isoformat(),
        )
        rows.append(
            cell_row(
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
            out.append(cell_row(pl, ac, **{("implementer", "year", "category")[index]: key}))
        return out

    return head(b) | {
        "how": BUDGET_RULE
        + "; income rows are negative (they reduce eligible cost); every total is the sum of "
        "its rows. " + RULE,
        "rows": rows,
        "by_implementer": totals(0),
        "by_year": totals(1),
        "by_category": totals(2),
        "total": cell_row(total(b.planned), total(b.actual)),
    }


def funding_rows(b: Base) -> list[dict[str, Any]]:
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
    out = []
    for impl in sorted({k[0] for k in set(b.planned) | set(b.actual)}):
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


def funding(b: Base) -> dict[str, Any]:
    return head(b) | {
        "planned_total": money(total(b.planned)),
        "actual_eligible": money(total(b.actual)),
        "sources": funding_rows(b),
        "by_implementer": funding_by_implementer(b),
        "rounding_rule": RULE,
    }


def own_funding_rows(b: Base, links: Links) -> list[dict[str, Any]]:
    """Own funding against each cap (of the plan in force): exceeded above, at_risk from warn_percent."""
    out = []
    for cap in b.plan.caps_for(b.scope):
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
                "ledger": links.ledger(
                    b.project.code,
                    implementer=cap.implementer,
                    date_from=f"{year}-01-01" if year else None,
                    date_to=f"{year}-12-31" if year else None,
                ),
            }
        )
    return out


def own_funding(b: Base, links: Links) -> dict[str, Any]:
    return head(b) | {"caps": own_funding_rows(b, links), "how": CAP_RULE}


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def forecast_body(b: Base) -> dict[str, Any]:
    """Actual so far plus the monthly burn rate so far times the months left in the period."""
    start, finish = b.plan.period_start, b.plan.period_end
    end = min(max(b.as_of, start), finish)
    elapsed = months_between(start, end) if b.as_of >= start else 0
    months = months_between(start, finish)

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


def forecast(b: Base) -> dict[str, Any]:
    return head(b) | forecast_body(b)


def summary(b: Base, links: Links, as_of: dt.date | None) -> dict[str, Any]:
    project = b.project
    planned, actual = total(b.planned), total(b.actual)
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    return {
        "project": {
            "code": project.code,
            "name": project.name,
            "period_start": b.plan.period_start.isoformat(),
            "period_end": b.plan.period_end.isoformat(),
            "cost_model": project.cost_model,
            "lead_implementer": project.lead_implementer,
            "current_version": b.version.number if b.version else None,
        },
        "as_of": b.as_of.isoformat(),
        "budget": b.budget().model_dump(),
        "scope": b.scope_body().model_dump(),
        "planned_total": money(planned),
        "actual_eligible": money(actual),
        "remaining": money(planned - actual),
        "utilisation_percent": percent(actual, planned),
        "funding_by_source": funding_rows(b),
        "own_funding_caps": own_funding_rows(b, links),
        "forecast": forecast_body(b),
        "how": BUDGET_RULE,
        "rounding_rule": RULE,
        "cap_rule": CAP_RULE,
        "links": {
            "utilisation": links.figure(project.code, "figures/utilisation") + query,
            "funding": links.figure(project.code, "figures/funding") + query,
            "own_funding": links.figure(project.code, "figures/own-funding") + query,
            "forecast": links.figure(project.code, "figures/forecast") + query,
            "baseline": links.figure(project.code, "baseline"),
            "ledger": links.ledger(project.code, date_to=as_of.isoformat() if as_of else None),
        },
    }
