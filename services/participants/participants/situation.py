"""The situational picture (tilannekuva) of a project, for the steering group: aggregates only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participants import assessments
from participants.champions import coaching_rows, sector_label, unit_sectors
from participants.models import Champion, Framework, Person


def enrolled_on(champion: Champion) -> dt.date:
    """The day a champion was enrolled: the start date, else the day the enrolment was recorded."""
    return champion.start_date or champion.created_at.astimezone(dt.UTC).date()


async def champions_by_sector(
    session: AsyncSession, project_code: str, *, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """Champions and their coaching hours per sector.

    With ``as_of``: a champion counts when enrolled on or before that day and not ended before it;
    hours are those of events on or before that day attended by champions enrolled by then (a
    champion who has since ended keeps the hours received).
    """
    stmt = (
        select(Champion, Person.org_unit_id)
        .join(Person, col(Person.id) == Champion.person_id)
        .where(Champion.project_code == project_code)
    )
    counted: dict[str, str | None] = {}
    coached: dict[str, str | None] = {}
    for champion, unit_id in (await session.exec(stmt)).all():
        if as_of is not None and enrolled_on(champion) > as_of:
            continue
        coached[champion.person_id] = unit_id
        if as_of is None or champion.end_date is None or champion.end_date >= as_of:
            counted[champion.person_id] = unit_id
    units, sectors = await unit_sectors(session)
    counts: dict[str, int] = defaultdict(int)
    hours: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for uid in counted.values():
        counts[sector_label(uid, units, sectors)] += 1
    for event, attendance in await coaching_rows(session, project_code, as_of=as_of):
        if attendance.person_id in coached:
            sector = sector_label(coached[attendance.person_id], units, sectors)
            hours[sector] += attendance.hours if attendance.hours is not None else event.hours
    return [
        {"sector": s, "champions": counts[s], "coaching_hours": hours[s]}
        for s in sorted(set(counts) | set(hours))
    ]


async def situation(
    session: AsyncSession, project_code: str, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """The picture now, or as of a day: then only enrolments, coaching and closed rounds up to it."""
    competence: list[dict[str, Any]] = []
    change: list[dict[str, Any]] = []
    maturity: list[dict[str, Any]] = []
    for framework in (await session.exec(select(Framework).order_by(col(Framework.code)))).all():
        rounds = await assessments.rounds_with_answers(session, framework, project_code, as_of=as_of)
        for round_ in rounds:
            if framework.subject == "person":
                for row in await assessments.aggregate(session, round_, "sector"):
                    competence.append(
                        {
                            "framework": framework.code,
                            "sector": row["group"],
                            "round": round_.name,
                            "respondents": row["respondents"],
                            "mean": row["mean"],
                            "suppressed": row["suppressed"],
                        }
                    )
            else:  # org units assess themselves: not personal answers, no small-group rule
                for row in await assessments.aggregate(session, round_, "sector", min_group=1):
                    maturity.append(
                        {
                            "framework": framework.code,
                            "sector": row["group"],
                            "round": round_.name,
                            "units": row["respondents"],
                            "mean": row["mean"],
                        }
                    )
        if framework.subject == "person" and rounds:
            for row in await assessments.change(session, framework, project_code, "sector", as_of=as_of):
                change.append({"framework": framework.code, "sector": row.pop("group"), **row})
    return {
        "project_code": project_code,
        "as_of": as_of,
        "champions_by_sector": await champions_by_sector(session, project_code, as_of=as_of),
        "competence": competence,
        "competence_change": change,
        "maturity_by_sector": maturity,
        "small_group_rule": assessments.SMALL_GROUP_RULE,
    }
