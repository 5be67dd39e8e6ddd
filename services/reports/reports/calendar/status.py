"""An obligation's status on a given day: upcoming, due soon, overdue or done.

Done means: a payment claim covering the period was submitted to the funder on or before the day
(the budget service's claims: submitted, approved, partially approved or paid; a claim sent back
with changes requested is not done until submitted again), or a report version linked to the
obligation was frozen on or before the day. Otherwise the effective due date (the extension, else
the generated one) decides: after it overdue, within ``due_soon_days`` before it due soon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

DONE_CLAIM_STATUSES = frozenset({"submitted", "approved", "partially_approved", "paid"})


class Status(StrEnum):
    upcoming = "upcoming"
    due_soon = "due_soon"
    overdue = "overdue"
    done = "done"


@dataclass(frozen=True)
class Evidence:
    """What is known about an obligation being done: ``done_on`` the day it was done, if it was;
    ``known`` False when the owning service could not be asked (then only the dates decide)."""

    done_on: dt.date | None
    detail: str
    known: bool = True


def timed_status(due: dt.date, day: dt.date, due_soon_days: int) -> Status:
    if day > due:
        return Status.overdue
    if day >= due - dt.timedelta(days=due_soon_days):
        return Status.due_soon
    return Status.upcoming


def status_on(due: dt.date, day: dt.date, due_soon_days: int, evidence: Evidence) -> Status:
    if evidence.done_on is not None and evidence.done_on <= day:
        return Status.done
    return timed_status(due, day, due_soon_days)


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def claim_evidence(
    period_start: dt.date, period_end: dt.date, claims: list[dict[str, Any]] | None, why: str
) -> Evidence:
    """Evidence from the budget service's claims (``None`` when they could not be read: ``why``)."""
    if claims is None:
        return Evidence(
            None, f"payment claims could not be read from the budget service ({why})", known=False
        )
    covering = [
        c
        for c in claims
        if c.get("kind") != "advance"
        and (_day(c.get("period_start")) or dt.date.max) <= period_start
        and (_day(c.get("period_end")) or dt.date.min) >= period_end
    ]
    done = [c for c in covering if c.get("status") in DONE_CLAIM_STATUSES and _day(c.get("submitted_at"))]
    if done:
        first = min(done, key=lambda c: str(c.get("submitted_at")))
        return Evidence(
            _day(first.get("submitted_at")),
            f"payment claim {first.get('number')} ({first.get('status')}) submitted {str(first.get('submitted_at'))[:10]}",
        )
    if covering:
        c = covering[-1]
        return Evidence(None, f"payment claim {c.get('number')} is {c.get('status')}, not submitted")
    return Evidence(None, "no payment claim covers the period yet")


def version_evidence(frozen: list[tuple[int, int, dt.datetime]]) -> Evidence:
    """Evidence from this service's frozen versions linked to the obligation: (report id, number, when)."""
    if not frozen:
        return Evidence(None, "no report version is frozen yet")
    report_id, number, at = min(frozen, key=lambda f: f[2])
    return Evidence(at.date(), f"report {report_id} version {number} frozen {at.date().isoformat()}")
