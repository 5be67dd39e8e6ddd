"""The situational picture (tilannekuva) of a project, for the steering group: aggregates only."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participants import assessments
from participants.champions import coaching_rows, sector_label, unit_sectors
from participants.models import Champion, Framework, Person


async def champions_by_sector(session: AsyncSession, project_code: str) -> list[dict[str, Any]]:
    stmt = (
        select(Champion.person_id, Person.org_unit_id)
        .join(Person, col(Person.id) == Champion.person_id)
        .where(Champion.project_code == project_code)
    )
    champions = {pid: uid for pid, uid in (await session.exec(stmt)).all()}
    units, sectors = await unit_sectors(session)
    counts: dict[str, int] = defaultdict(int)
    hours: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for uid in champions.values():
        counts[sector_label(uid, units, sectors)] += 1
    for event, attendance in await coaching_rows(session, project_code):
        if attendance.person_id in champions:
            sector = sector_label(champions[attendance.person_id], units, sectors)
            hours[sector] += attendance.hours if attendance.hours is not None else event.hours
    return [{"sector": s, "champions": counts[s], "coaching_hours": hours[s]} for s in sorted(counts)]


async def situation(session: AsyncSession, project_code: str) -> dict[str, Any]:
    competence: list[dict[str, Any]] = []
    change: list[dict[str, Any]] = []
    maturity: list[dict[str, Any]] = []
    for framework in (await session.exec(select(Framework).order_by(col(Framework.code)))).all():
        rounds = await assessments.rounds_with_answers(session, framework, project_code)
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
            for row in await assessments.change(session, framework, project_code, "sector"):
                change.append({"framework": framework.code, "sector": row.pop("group"), **row})
    return {
        "project_code": project_code,
        "champions_by_sector": await champions_by_sector(session, project_code),
        "competence": competence,
        "competence_change": change,
        "maturity_by_sector": maturity,
        "small_group_rule": assessments.SMALL_GROUP_RULE,
    }
