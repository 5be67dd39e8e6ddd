"""Obligations generated from a project's calendar rules (pure functions, no I/O).

- Payment claims (maksatushakemus): one per claim period of ``claim_period_months`` from the
  calendar's start, the last one cut at its end; due ``claim_due_days`` after the period ends.
- Monitoring reports (seurantaraportti): the same with ``monitoring_period_months`` and
  ``monitoring_due_days``.
- The interim evaluation (väliarviointi) for the city board: due ``interim_after_months`` after the
  start (board § 81/2019: one year after the project starts), covering the time until then.
- The final report (loppuraportti): covering the whole calendar, due ``final_due_days`` after its end.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    payment_claim = "payment_claim"
    monitoring_report = "monitoring_report"
    interim_evaluation = "interim_evaluation"
    final_report = "final_report"


DEFAULT_RESPONSIBLE = {
    Kind.payment_claim: "finance (lead implementer)",
    Kind.monitoring_report: "project_manager",
    Kind.interim_evaluation: "project_manager",
    Kind.final_report: "project_manager",
}


@dataclass(frozen=True)
class Rules:
    calendar_start: dt.date
    calendar_end: dt.date
    claim_period_months: int
    claim_due_days: int
    monitoring_period_months: int
    monitoring_due_days: int
    interim_after_months: int
    final_due_days: int
    responsible: dict[str, Any]

    @classmethod
    def of(cls, row: Any) -> Rules:
        return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Planned:
    """One obligation as the rules make it."""

    kind: Kind
    sequence: int
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    responsible_role: str


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, the day clamped to the month's length (31.1. + 1 = 28./29.2.)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def periods(start: dt.date, end: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    """Consecutive periods of ``months`` from ``start``; the last one ends at ``end``."""
    out: list[tuple[dt.date, dt.date]] = []
    n = 0
    while True:
        first = add_months(start, months * n)
        if first > end:
            return out
        last = min(add_months(start, months * (n + 1)) - dt.timedelta(days=1), end)
        out.append((first, last))
        n += 1


def generate(rules: Rules) -> list[Planned]:
    """Every obligation of the calendar, in due-date order."""
    role = {k: str(rules.responsible.get(str(k)) or DEFAULT_RESPONSIBLE[k]) for k in Kind}
    out: list[Planned] = []
    for kind, months, due_days in (
        (Kind.payment_claim, rules.claim_period_months, rules.claim_due_days),
        (Kind.monitoring_report, rules.monitoring_period_months, rules.monitoring_due_days),
    ):
        for n, (first, last) in enumerate(periods(rules.calendar_start, rules.calendar_end, months), 1):
            out.append(Planned(kind, n, first, last, last + dt.timedelta(days=due_days), role[kind]))
    interim_due = add_months(rules.calendar_start, rules.interim_after_months)
    if interim_due <= rules.calendar_end:
        out.append(
            Planned(
                Kind.interim_evaluation,
                1,
                rules.calendar_start,
                interim_due - dt.timedelta(days=1),
                interim_due,
                role[Kind.interim_evaluation],
            )
        )
    out.append(
        Planned(
            Kind.final_report,
            1,
            rules.calendar_start,
            rules.calendar_end,
            rules.calendar_end + dt.timedelta(days=rules.final_due_days),
            role[Kind.final_report],
        )
    )
    return sorted(out, key=lambda p: (p.due_date, p.kind, p.sequence))
