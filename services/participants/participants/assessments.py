"""Assessments: answers validated against the framework's scale, aggregates with the small-group rule.

Small-group rule (Kunta10): figures of a group with fewer than ``MIN_GROUP`` respondents are never
shown on their own. By org unit, a small unit is folded into its parent (repeatedly, up the
hierarchy); a top-level unit still too small is suppressed. By sector, a small sector is suppressed.
Both are marked in the result.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.problems import InvalidParam, NotFound, UnprocessableContent
from participants.champions import active_person, sector_label, unit_sectors
from participants.db import audit
from participants.models import Answer, AssessmentRound, Framework, FrameworkArea, FrameworkItem, OrgUnit
from participants.schemas import AnswerIn

MIN_GROUP = 10
SMALL_GROUP_RULE = (
    f"Survey figures are shown only for groups of at least {MIN_GROUP} respondents (the Kunta10 threshold): "
    "a smaller org unit is folded into its parent unit, a smaller top-level unit or sector is suppressed."
)


async def get_framework(session: AsyncSession, code: str) -> Framework:
    framework = (await session.exec(select(Framework).where(Framework.code == code))).first()
    if framework is None:
        raise NotFound(f"No framework {code}.")
    return framework


async def items_by_code(session: AsyncSession, framework: Framework) -> dict[str, FrameworkItem]:
    items = await session.exec(select(FrameworkItem).where(FrameworkItem.framework_id == framework.id))
    return {i.code: i for i in items.all()}


async def save_answers(
    *,
    session: AsyncSession,
    actor: Principal,
    round_: AssessmentRound,
    framework: Framework,
    answers: list[AnswerIn],
    person_id: str | None,
    org_unit_id: str | None,
) -> int:
    """Save (or replace) answers of one respondent; every answer off the scale or item unknown is listed."""
    items = await items_by_code(session, framework)
    errors: list[InvalidParam] = []
    for index, answer in enumerate(answers):
        if answer.item_code not in items:
            errors.append(
                InvalidParam(
                    name=f"body.answers.{index}.item_code", reason=f"unknown item of {framework.code}"
                )
            )
        if not framework.scale_min <= answer.value <= framework.scale_max:
            errors.append(
                InvalidParam(
                    name=f"body.answers.{index}.value",
                    reason=f"outside the scale {framework.scale_min}-{framework.scale_max}",
                )
            )
    if errors:
        raise UnprocessableContent(
            "Some answers are not valid for the framework.", slug="invalid-answer", errors=errors
        )
    if framework.subject == "person":
        assert person_id is not None
        person = await active_person(session, person_id)
        unit_id = person.org_unit_id
        match = col(Answer.person_id) == person_id
    else:
        assert org_unit_id is not None
        if await session.get(OrgUnit, org_unit_id) is None:
            raise UnprocessableContent(f"No org unit {org_unit_id}.", slug="unknown-org-unit")
        unit_id = org_unit_id
        match = (col(Answer.org_unit_id) == org_unit_id) & col(Answer.person_id).is_(None)
    existing = {
        a.item_id: a
        for a in (await session.exec(select(Answer).where(Answer.round_id == round_.id, match))).all()
    }
    changes: dict[str, Any] = {}
    for answer in answers:
        item = items[answer.item_code]
        assert item.id is not None and round_.id is not None
        row = existing.get(item.id)
        if row is None:
            row = Answer(
                round_id=round_.id,
                item_id=item.id,
                person_id=person_id,
                org_unit_id=unit_id,
                value=answer.value,
            )
            existing[item.id] = row
        elif row.value == answer.value:
            continue
        changes[answer.item_code] = [row.value if row.id else None, answer.value]
        row.value = answer.value
        session.add(row)
    if changes:
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="answers",
            entity_type="assessment_round",
            entity_id=round_.id,
            changes={"person_id": person_id, "org_unit_id": org_unit_id, "values": changes},
        )
    return len(answers)


@dataclass
class Bucket:
    respondents: set[str] = field(default_factory=set)
    values: list[int] = field(default_factory=list)
    areas: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    includes: list[str] = field(default_factory=list)

    def merge(self, other: Bucket, code: str) -> None:
        self.respondents |= other.respondents
        self.values += other.values
        for area, values in other.areas.items():
            self.areas[area] += values
        self.includes += [code, *other.includes]

    def figures(self) -> dict[str, Any]:
        return {
            "respondents": len(self.respondents),
            "mean": round(sum(self.values) / len(self.values), 2) if self.values else None,
            "areas": {a: round(sum(v) / len(v), 2) for a, v in sorted(self.areas.items())},
        }


async def _answer_rows(session: AsyncSession, round_id: int) -> list[tuple[str, str | None, str, int]]:
    """(respondent key, org unit id, area code, value) of a round's answers."""
    stmt = (
        select(Answer.person_id, Answer.org_unit_id, FrameworkArea.code, Answer.value)
        .join(FrameworkItem, col(FrameworkItem.id) == Answer.item_id)
        .join(FrameworkArea, col(FrameworkArea.id) == FrameworkItem.area_id)
        .where(Answer.round_id == round_id)
    )
    return [
        (pid or f"unit:{uid}", uid, area, value) for pid, uid, area, value in (await session.exec(stmt)).all()
    ]


async def aggregate(
    session: AsyncSession, round_: AssessmentRound, by: str, *, min_group: int = MIN_GROUP
) -> list[dict[str, Any]]:
    """Figures per org unit (with folding), per sector, or for everyone (``by="all"``)."""
    assert round_.id is not None
    rows = await _answer_rows(session, round_.id)
    units, sectors = await unit_sectors(session)
    buckets: dict[str, Bucket] = defaultdict(Bucket)
    for respondent, unit_id, area, value in rows:
        if by == "org_unit":
            key = unit_id or "unknown"
        elif by == "sector":
            key = sector_label(unit_id, units, sectors)
        else:
            key = "all"
        bucket = buckets[key]
        bucket.respondents.add(respondent)
        bucket.values.append(value)
        bucket.areas[area].append(value)
    result: list[dict[str, Any]] = []
    if by == "org_unit":

        def depth(uid: str) -> int:
            d, cursor, seen = 0, units[uid].parent_id if uid in units else None, set()
            while cursor and cursor in units and cursor not in seen:
                seen.add(cursor)
                d, cursor = d + 1, units[cursor].parent_id
            return d

        folded: dict[str, str] = {}
        for uid in sorted(units, key=depth, reverse=True):  # deepest first, so folds can cascade upwards
            if uid not in buckets:
                continue
            bucket = buckets[uid]
            parent = units[uid].parent_id if uid in units else None
            if len(bucket.respondents) < min_group and parent and parent in units:
                buckets[parent].merge(bucket, units[uid].code)
                folded[uid] = parent
        for uid, bucket in buckets.items():
            unit = units.get(uid)
            code, name = (unit.code, unit.name) if unit else (uid, None)
            if uid in folded:
                target = folded[uid]
                while target in folded:
                    target = folded[target]
                result.append(
                    {
                        "group": code,
                        "name": name,
                        "respondents": None,
                        "mean": None,
                        "suppressed": True,
                        "folded_into": units[target].code,
                    }
                )
            else:
                result.append(_figures(code, name, bucket, min_group))
    else:
        names = {s.code: s.name for s in sectors.values()}
        for key, bucket in buckets.items():
            result.append(_figures(key, names.get(key), bucket, min_group))
    return sorted(result, key=lambda r: r["group"])


def _figures(group: str, name: str | None, bucket: Bucket, min_group: int) -> dict[str, Any]:
    if len(bucket.respondents) < min_group:
        return {
            "group": group,
            "name": name,
            "respondents": None,
            "mean": None,
            "suppressed": True,
            "includes": sorted(bucket.includes),
        }
    return {
        "group": group,
        "name": name,
        **bucket.figures(),
        "suppressed": False,
        "includes": sorted(bucket.includes),
    }


async def project_rounds(
    session: AsyncSession, framework: Framework, project_code: str
) -> list[AssessmentRound]:
    stmt = (
        select(AssessmentRound)
        .where(AssessmentRound.framework_id == framework.id, AssessmentRound.project_code == project_code)
        .order_by(col(AssessmentRound.opens_on), col(AssessmentRound.id))
    )
    return list((await session.exec(stmt)).all())


def round_date(round_: AssessmentRound) -> dt.date:
    """The day a round's figures are complete: its closing day, else its opening day."""
    return round_.closes_on or round_.opens_on


async def rounds_with_answers(
    session: AsyncSession, framework: Framework, project_code: str, *, as_of: dt.date | None = None
) -> list[AssessmentRound]:
    """The project's rounds of ``framework`` that have answers; with ``as_of`` only rounds closed by then."""
    rounds = await project_rounds(session, framework, project_code)
    if as_of is not None:
        rounds = [r for r in rounds if round_date(r) <= as_of]
    if not rounds:
        return []
    answered = set(
        (
            await session.exec(
                select(Answer.round_id).where(col(Answer.round_id).in_([r.id for r in rounds])).distinct()
            )
        ).all()
    )
    return [r for r in rounds if r.id in answered]


async def change(
    session: AsyncSession, framework: Framework, project_code: str, by: str, *, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """Change of the mean from the baseline round to the latest answered round (closed by ``as_of``)."""
    rounds = await rounds_with_answers(session, framework, project_code, as_of=as_of)
    baseline = next((r for r in rounds if r.kind == "baseline"), None)
    latest = rounds[-1] if rounds and rounds[-1] is not baseline else None
    if baseline is None:
        return []
    first = {r["group"]: r for r in await aggregate(session, baseline, by)}
    last = {r["group"]: r for r in await aggregate(session, latest, by)} if latest else {}
    rows = []
    for group in sorted(set(first) | set(last)):
        a, b = first.get(group), last.get(group)
        suppressed = not a or a["suppressed"] or not b or b["suppressed"]
        rows.append(
            {
                "group": group,
                "baseline_round": baseline.name,
                "latest_round": latest.name if latest else None,
                "baseline_mean": None if suppressed or not a else a["mean"],
                "latest_mean": None if suppressed or not b else b["mean"],
                "change": None if suppressed or not a or not b else round(b["mean"] - a["mean"], 2),
                "suppressed": suppressed,
            }
        )
    return rows
