"""Aggregates of a round under statistical disclosure control (:mod:`participants.disclosure`).

Each respondent's score in an area is the mean of its answers in that area; a group's area figure
is the mean of its respondents' area scores, and the group's ``mean`` is the mean of its shown area
figures (so it tells nothing the area figures do not). The groups of all three views of a round
(``all``, ``by=sector``, ``by=org_unit``) are one nested hierarchy, protected together: a small
org unit is folded into its parent unit of the same sector (cascading), a top-level unit still too
small stays alone; then :meth:`Hierarchy.protect` hides the small groups and, where a total minus
the shown groups would give a hidden one, one more group (secondary suppression). Each area is
protected the same way among the respondents who answered it, and a group hidden as a whole hides
its areas. Maturity answers are org units assessing themselves (not personal data): ``min_group=1``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participants.disclosure import MIN_GROUP, Hierarchy
from participants.models import Answer, AssessmentRound, FrameworkArea, FrameworkItem, OrgUnit
from participants.people.repository import sector_label, units_and_sectors

SMALL_GROUP_RULE = (
    f"Survey figures are shown only for groups of at least {MIN_GROUP} respondents (the Kunta10 threshold), "
    "and never so that shown figures combine to a smaller group: a smaller org unit is folded into its parent "
    "unit, a smaller top-level unit, sector or area is suppressed, and where a total minus the shown groups "
    "would give a suppressed one, one more group (or the total) is suppressed too. Figures of a round are "
    "published once it is closed."
)
ROOT = "all"


@dataclass
class RoundFigures:
    """The protected figures of one round: rows of each view."""

    all: list[dict[str, Any]]
    sector: list[dict[str, Any]]
    org_unit: list[dict[str, Any]]

    def view(self, by: str) -> list[dict[str, Any]]:
        return {"all": self.all, "sector": self.sector, "org_unit": self.org_unit}[by]


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


def _depth(uid: str, units: dict[str, OrgUnit]) -> int:
    depth, cursor, seen = 0, units[uid].parent_id, {uid}
    while cursor and cursor in units and cursor not in seen:
        seen.add(cursor)
        depth, cursor = depth + 1, units[cursor].parent_id
    return depth


def fold_units(
    counts: dict[str, int], units: dict[str, OrgUnit], sector_of: dict[str, str], min_group: int
) -> dict[str, str]:
    """unit id -> the unit whose group it is counted in (itself, or an ancestor of the same sector)."""
    into: dict[str, str] = {uid: uid for uid in counts}
    sizes = dict(counts)
    for uid in sorted(units, key=lambda u: _depth(u, units), reverse=True):  # deepest first: folds cascade
        size = sizes.get(uid, 0)
        parent = units[uid].parent_id
        if 0 < size < min_group and parent in units and sector_of.get(parent) == sector_of.get(uid):
            sizes[parent] = sizes.get(parent, 0) + sizes.pop(uid)
            into.setdefault(parent, parent)
            for child, target in into.items():
                if target == uid:
                    into[child] = parent
    return into


async def round_figures(
    session: AsyncSession, round_: AssessmentRound, *, min_group: int = MIN_GROUP
) -> RoundFigures:
    """Every view of ``round_`` with the small-group rule applied to all views together."""
    assert round_.id is not None
    rows = await _answer_rows(session, round_.id)
    units, sectors = await units_and_sectors(session)
    sector_names = {s.code: s.name for s in sectors.values()}
    unit_of: dict[str, str] = {}
    scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for respondent, unit_id, area, value in rows:
        unit_of[respondent] = unit_id or "unknown"
        scores[respondent][area].append(value)
    sector_of = {uid: sector_label(uid, units, sectors) for uid in set(unit_of.values()) | set(units)}
    sector_of["unknown"] = "unknown"
    counts: dict[str, int] = defaultdict(int)
    for uid in unit_of.values():
        counts[uid] += 1
    into = fold_units(counts, units, sector_of, min_group)

    def path(respondent: str) -> list[str]:
        bucket = into[unit_of[respondent]]
        return [f"s:{sector_of[bucket]}", f"u:{bucket}"]

    whole = Hierarchy(ROOT)
    for respondent in unit_of:
        whole.add(respondent, path(respondent))
    hidden = whole.protect(min_group)
    areas = sorted({a for s in scores.values() for a in s})
    area_hidden: dict[str, set[str]] = {}
    area_people: dict[str, dict[str, set[str]]] = {}
    for area in areas:
        tree = Hierarchy(ROOT)
        for respondent, by_area in scores.items():
            if area in by_area:
                tree.add(respondent, path(respondent))
        area_hidden[area] = tree.protect(min_group, forced=hidden)
        area_people[area] = {key: tree.people(key) for key in tree.cells}

    def figures(key: str, group: str, name: str | None) -> dict[str, Any]:
        if key in hidden:
            return {"group": group, "name": name, "respondents": None, "mean": None, "suppressed": True}
        shown: dict[str, float] = {}
        suppressed_areas: list[str] = []
        for area in areas:
            people = area_people[area].get(key)
            if not people:
                continue
            if key in area_hidden[area]:
                suppressed_areas.append(area)
            else:
                shown[area] = round(fmean(fmean(scores[p][area]) for p in people), 2)
        return {
            "group": group,
            "name": name,
            "respondents": whole.size(key),
            "mean": round(fmean(shown.values()), 2) if shown and not suppressed_areas else None,
            "areas": shown,
            "suppressed_areas": suppressed_areas,
            "suppressed": False,
        }

    total = [figures(ROOT, "all", None)] if unit_of else []
    by_sector = [
        figures(key, key[2:], sector_names.get(key[2:]))
        for key in sorted(k for k in whole.cells if k.startswith("s:"))
    ]
    includes: dict[str, list[str]] = defaultdict(list)
    for uid, target in into.items():
        if target != uid:
            includes[target].append(units[uid].code if uid in units else uid)
    by_unit: list[dict[str, Any]] = []
    for uid in counts:
        unit = units.get(uid)
        code, name = (unit.code, unit.name) if unit else (uid, None)
        if into[uid] != uid:
            folded = units[into[uid]]
            by_unit.append(
                {
                    "group": code,
                    "name": name,
                    "respondents": None,
                    "mean": None,
                    "suppressed": True,
                    "folded_into": folded.code,
                }
            )
        else:
            by_unit.append({**figures(f"u:{uid}", code, name), "includes": sorted(includes[uid])})
    for uid in set(includes) - set(counts):  # a parent with no respondents of its own
        unit = units[uid]
        by_unit.append({**figures(f"u:{uid}", unit.code, unit.name), "includes": sorted(includes[uid])})
    return RoundFigures(total, by_sector, sorted(by_unit, key=lambda r: r["group"]))


async def aggregate(
    session: AsyncSession, round_: AssessmentRound, by: str, *, min_group: int = MIN_GROUP
) -> list[dict[str, Any]]:
    """Figures of one view (``all``, ``sector`` or ``org_unit``) of a round."""
    return (await round_figures(session, round_, min_group=min_group)).view(by)


async def change(session: AsyncSession, rounds: list[AssessmentRound], by: str) -> list[dict[str, Any]]:
    """Change of the mean from the baseline round to the latest of ``rounds`` (published rounds, in order).

    Each mean is the round's own protected figure, so the change tells nothing they do not.
    """
    baseline = next((r for r in rounds if r.kind == "baseline"), None)
    latest = rounds[-1] if rounds and rounds[-1] is not baseline else None
    if baseline is None:
        return []
    first = {r["group"]: r for r in await aggregate(session, baseline, by)}
    last = {r["group"]: r for r in await aggregate(session, latest, by)} if latest else {}
    result = []
    for group in sorted(set(first) | set(last)):
        a, b = first.get(group), last.get(group)
        a_mean = a["mean"] if a and not a["suppressed"] else None
        b_mean = b["mean"] if b and not b["suppressed"] else None
        suppressed = a_mean is None or (latest is not None and b_mean is None)
        result.append(
            {
                "group": group,
                "baseline_round": baseline.name,
                "latest_round": latest.name if latest else None,
                "baseline_mean": None if suppressed else a_mean,
                "latest_mean": None if suppressed else b_mean,
                "change": None
                if suppressed or b_mean is None or a_mean is None
                else round(b_mean - a_mean, 2),
                "suppressed": suppressed,
            }
        )
    return result
