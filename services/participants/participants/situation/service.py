"""The situational picture of a project, for the steering group: aggregates only, as of a day.

Every figure comes from the same protected cells as its own endpoint (round aggregates by sector,
coaching totals by sector), so the picture reveals nothing those do not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from participants.assessments import aggregates
from participants.assessments.frameworks import Frameworks
from participants.assessments.rounds import Rounds
from participants.champions.repository import Champions, champion_active
from participants.coaching.repository import Coaching
from participants.coaching.service import protected_totals
from participants.people.repository import sector_label, units_and_sectors


async def champions_by_sector(
    session: AsyncSession, principal: Principal, project_code: str, *, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """Champions per sector (enrolled by ``as_of`` and not ended before it) and coaching hours per sector.

    Coaching hours are those of the sector's people coached at the project's events up to ``as_of``,
    the same protected cells as ``/coaching-totals?by=sector``: null for a group under 10 people.
    """
    counted: dict[str, str | None] = {}
    for champion, unit_id in await Champions(session, principal).of_project(project_code):
        if as_of is None or champion_active(champion, as_of):
            counted[champion.person_id] = unit_id
    units, sectors = await units_and_sectors(session)
    counts: dict[str, int] = defaultdict(int)
    for uid in counted.values():
        counts[sector_label(uid, units, sectors)] += 1
    hours: dict[str, Decimal | None] = {}
    rows = await Coaching(session, principal).rows(project_code, as_of=as_of)
    if rows:
        _, groups = (await protected_totals(session, principal, rows))["sector"]
        hours = {g["key"]: g["hours"] for g in groups}
    return [
        {"sector": s, "champions": counts.get(s, 0), "coaching_hours": hours.get(s)}
        for s in sorted(set(counts) | set(hours))
    ]


async def situation(
    session: AsyncSession, principal: Principal, project_code: str, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """The picture now, or as of a day: then only enrolments, coaching and rounds closed by then."""
    competence: list[dict[str, Any]] = []
    change: list[dict[str, Any]] = []
    maturity: list[dict[str, Any]] = []
    rounds_repo = Rounds(session, principal)
    for framework in await Frameworks(session).all():
        published = await rounds_repo.published(framework, project_code, as_of=as_of)
        for round_ in published:
            if framework.subject == "person":
                for row in await aggregates.aggregate(session, round_, "sector"):
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
                for row in await aggregates.aggregate(session, round_, "sector", min_group=1):
                    maturity.append(
                        {
                            "framework": framework.code,
                            "sector": row["group"],
                            "round": round_.name,
                            "units": row["respondents"],
                            "mean": row["mean"],
                        }
                    )
        if framework.subject == "person" and published:
            for row in await aggregates.change(session, published, "sector"):
                change.append({"framework": framework.code, "sector": row.pop("group"), **row})
    return {
        "project_code": project_code,
        "as_of": as_of,
        "champions_by_sector": await champions_by_sector(session, principal, project_code, as_of=as_of),
        "competence": competence,
        "competence_change": change,
        "maturity_by_sector": maturity,
        "small_group_rule": aggregates.SMALL_GROUP_RULE,
    }
