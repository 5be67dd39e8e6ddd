"""Recording coaching events and attendance; totals per champion, org unit or sector.

Totals per org unit and per sector (and the project total) are one nested hierarchy of groups of
people coached, protected together by :mod:`participants.disclosure`: a group of fewer than 10
people shows no hours, attendances or events, and no shown figures combine to one (one champion's
hours are never shown to steering for a sector with a single champion). Totals per champion are
personal data (admin and project_manager only) and are not suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.problems import Forbidden, InvalidParam, UnprocessableContent
from participants.access import is_manager
from participants.coaching.repository import Coaching
from participants.coaching.schemas import CoachingEventCreate
from participants.db import audit
from participants.disclosure import MIN_GROUP, Hierarchy
from participants.models import CoachingAttendance, CoachingEvent
from participants.people.repository import People, sector_label, units_and_sectors
from participants.pilots import PilotFacts

ROOT = "all"


async def create_event(
    *, session: AsyncSession, actor: Principal, pilots: PilotFacts, data: CoachingEventCreate
) -> CoachingEvent:
    if not is_manager(actor):
        raise Forbidden("Coaching events are recorded by admin or project_manager.")
    await pilots.check_project(data.project_code, "body.project_code")
    if data.pilot_id is not None:
        await pilots.check_pilot(data.pilot_id, data.project_code, "body.pilot_id")
    event = CoachingEvent(**data.model_dump())
    session.add(event)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="coaching_event",
        entity_id=event.id,
        changes=data.model_dump(mode="json"),
    )
    return event


async def record_attendance(
    *,
    session: AsyncSession,
    actor: Principal,
    event: CoachingEvent,
    person_ids: list[str],
    hours: Decimal | None,
) -> int:
    """Mark people as attending; people already marked are left as they are. Returns how many were added."""
    coaching = Coaching(session, actor)
    people = await coaching.people(person_ids)
    errors: list[InvalidParam] = []
    for index, pid in enumerate(person_ids):
        if pid not in people:
            errors.append(InvalidParam(name=f"body.person_ids.{index}", reason="unknown person"))
        elif not people[pid].active:
            errors.append(InvalidParam(name=f"body.person_ids.{index}", reason="inactive person"))
    if errors:
        raise UnprocessableContent(
            "Some attendees are unknown or inactive.", slug="unknown-person", errors=errors
        )
    present = await coaching.attendees(event)
    added = [pid for pid in dict.fromkeys(person_ids) if pid not in present]
    for pid in added:
        session.add(CoachingAttendance(event_id=event.id, person_id=pid, hours=hours))
    if added:
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="attendance",
            entity_type="coaching_event",
            entity_id=event.id,
            changes={"added": added, "hours": str(hours) if hours is not None else None},
        )
    return len(added)


def _figures(
    key: str, label: str | None, rows: list[tuple[str, str, Decimal]], hidden: bool
) -> dict[str, Any]:
    if hidden:
        return {
            "key": key,
            "label": label,
            "people": None,
            "events": None,
            "attendances": None,
            "hours": None,
            "suppressed": True,
        }
    return {
        "key": key,
        "label": label,
        "people": len({p for p, _, _ in rows}),
        "events": len({e for _, e, _ in rows}),
        "attendances": len(rows),
        "hours": sum((h for _, _, h in rows), Decimal("0.00")),
        "suppressed": False,
    }


async def totals(
    session: AsyncSession, principal: Principal, project_code: str, by: str, *, as_of: dt.date | None = None
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The project total and the groups of one view (``champion``, ``org_unit`` or ``sector``)."""
    coaching = Coaching(session, principal)
    rows = await coaching.rows(project_code, as_of=as_of)
    if by == "champion":
        if not is_manager(principal):
            raise Forbidden("Totals per champion are personal data: admin or project_manager only.")
        people = await coaching.people(sorted({p for p, _, _ in rows}))
        await People(session, principal).logged(list(people.values()), "coaching.totals")
        per: dict[str, list[tuple[str, str, Decimal]]] = defaultdict(list)
        for row in rows:
            per[row[0]].append(row)
        return None, [_figures(pid, people[pid].display_name, per[pid], False) for pid in sorted(per)]
    return (await protected_totals(session, principal, rows))[by] if rows else (None, [])


async def protected_totals(
    session: AsyncSession, principal: Principal, rows: list[tuple[str, str, Decimal]]
) -> dict[str, tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    """Both people-grouped views of ``rows`` with the small-group rule applied to them together."""
    unit_of = await Coaching(session, principal).units_of({p for p, _, _ in rows})
    units, sectors = await units_and_sectors(session)
    sector_names = {s.code: s.name for s in sectors.values()}
    tree = Hierarchy(ROOT)
    paths: dict[str, tuple[str, str]] = {}
    for pid, uid in unit_of.items():
        unit_key = uid if uid in units else "unknown"
        paths[pid] = (f"s:{sector_label(uid, units, sectors)}", f"u:{unit_key}")
        tree.add(pid, paths[pid])
    hidden = tree.protect(MIN_GROUP)
    grouped: dict[str, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for row in rows:
        for key in (ROOT, *paths[row[0]]):
            grouped[key].append(row)
    total = _figures("all", None, grouped[ROOT], ROOT in hidden)
    by_sector = [
        _figures(k[2:], sector_names.get(k[2:]), grouped[k], k in hidden)
        for k in sorted(grouped)
        if k.startswith("s:")
    ]
    by_unit = [
        _figures(
            units[k[2:]].code if k[2:] in units else k[2:],
            units[k[2:]].name if k[2:] in units else None,
            grouped[k],
            k in hidden,
        )
        for k in grouped
        if k.startswith("u:")
    ]
    return {"sector": (total, by_sector), "org_unit": (total, sorted(by_unit, key=lambda r: r["key"]))}
