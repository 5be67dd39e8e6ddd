"""The upstream calls a report needs, all with the report's as-of date.

Every call that can take ``as_of`` gets it: the budget figures (utilisation, funding, own funding),
the pilot portfolio and each pilot's indicators, and the participants' situation (once for the day
and once for each quarter's end before it, for the champions and coaching over time). A source
records whether the answer stated the as-of date it was for (``as_of_stated``), so a document can
say when a service answered with today's data instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from reports.calendar.rules import add_months
from reports.upstream import Collector

TIMELINE_POINTS = 12


def quarter_ends(start: dt.date, as_of: dt.date) -> list[dt.date]:
    """The ends of the quarters from ``start`` up to (not including) ``as_of``, then ``as_of``; at most
    ``TIMELINE_POINTS`` points (the latest ones)."""
    points: list[dt.date] = []
    n = 1
    while True:
        end = add_months(start, 3 * n) - dt.timedelta(days=1)
        if end >= as_of:
            break
        points.append(end)
        n += 1
    points.append(as_of)
    return points[-TIMELINE_POINTS:]


async def project_data(c: Collector, code: str, as_of: dt.date, start: dt.date | None) -> None:
    """Budget, pilots and participants data of the project as of ``as_of``."""
    day = {"as_of": as_of.isoformat()}
    portfolio_task = asyncio.ensure_future(
        c.fetch("pilots.portfolio", "pilots", "/projects/{code}/portfolio", day, code=code)
    )
    calls = [
        c.fetch("budget.utilisation", "budget", "/projects/{code}/figures/utilisation", day, code=code),
        c.fetch("budget.funding", "budget", "/projects/{code}/figures/funding", day, code=code),
        c.fetch("budget.own_funding", "budget", "/projects/{code}/figures/own-funding", day, code=code),
        c.fetch("participants.situation", "participants", "/projects/{code}/situation", day, code=code),
    ]
    if start is not None:
        for point in quarter_ends(start, as_of)[:-1]:
            calls.append(
                c.fetch(
                    f"participants.situation@{point.isoformat()}",
                    "participants",
                    "/projects/{code}/situation",
                    {"as_of": point.isoformat()},
                    code=code,
                )
            )
    try:
        portfolio = await portfolio_task
        body = portfolio.get("body") or {}
        pilot_ids = [str(p["id"]) for p in body.get("pilots", []) if isinstance(p, dict) and "id" in p][:50]
        calls += [
            c.fetch(f"pilots.indicators.{pid}", "pilots", "/pilots/{pid}/indicators", day, pid=pid)
            for pid in pilot_ids
        ]
        await asyncio.gather(*calls)
    finally:
        portfolio_task.cancel()


async def collect(
    c: Collector,
    *,
    kind: str,
    code: str,
    as_of: dt.date,
    claim_number: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Every source the report of ``kind`` is drafted from."""
    project = await c.fetch("budget.project", "budget", "/projects/{code}", code=code)
    body = project.get("body") or {}
    try:
        start = dt.date.fromisoformat(str(body.get("period_start"))[:10])
    except ValueError:
        start = None
    if kind == "claim_cover" and claim_number is not None:
        await asyncio.gather(
            c.fetch("budget.claim", "budget", "/projects/{code}/claims/{n}", code=code, n=claim_number),
            c.fetch(
                "budget.funding",
                "budget",
                "/projects/{code}/figures/funding",
                {"as_of": as_of.isoformat()},
                code=code,
            ),
        )
    else:
        await project_data(c, code, as_of, start)
    return c.sources
