"""The calendar's database operations (all queries of calendars and obligations live here).

Statuses need to know whether a claim was submitted: the budget service's claims are read with the
caller's token (``claims``), so each caller sees the evidence it may see; a caller the budget
service refuses gets the dated status with ``done_known`` false.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.peers import PeerClient, PeerUnavailable
from hanke_libs.problems import NotFound
from reports.calendar import rules as R
from reports.calendar.status import Evidence, claim_evidence, status_on, version_evidence
from reports.db import audit
from reports.models import Obligation, Report, ReportingCalendar, ReportVersion
from reports.models.types import utcnow
from reports.schemas.calendar import CalendarRules, ObligationPublic

RULE_FIELDS = tuple(CalendarRules.model_fields)


async def get(session: AsyncSession, code: str) -> ReportingCalendar:
    calendar = await session.get(ReportingCalendar, code)
    if calendar is None:
        raise NotFound(f"Project {code!r} has no reporting calendar; a project manager sets one with PUT.")
    return calendar


async def obligations(session: AsyncSession, code: str) -> list[Obligation]:
    rows = await session.exec(
        select(Obligation)
        .where(Obligation.project_code == code)
        .order_by(col(Obligation.due_date), col(Obligation.kind), col(Obligation.sequence))
    )
    return list(rows.all())


async def obligation(session: AsyncSession, obligation_id: int) -> Obligation:
    found = await session.get(Obligation, obligation_id)
    if found is None:
        raise NotFound(f"Obligation {obligation_id} does not exist.")
    return found


async def regenerate(session: AsyncSession, calendar: ReportingCalendar) -> dict[str, int]:
    """Bring the obligations in line with the rules: update dates of those that stay (keeping each
    one's extension and responsible person), add new ones, remove those the rules no longer make
    unless a report is linked to them."""
    planned = {(p.kind.value, p.sequence): p for p in R.generate(R.Rules.of(calendar))}
    existing = {(o.kind, o.sequence): o for o in await obligations(session, calendar.project_code)}
    ids = [o.id for o in existing.values()]
    linked = set(
        (await session.exec(select(Report.obligation_id).where(col(Report.obligation_id).in_(ids)))).all()
    )
    counts = {"added": 0, "updated": 0, "removed": 0, "kept": 0}
    for key, p in planned.items():
        o = existing.get(key)
        if o is None:
            session.add(
                Obligation(
                    project_code=calendar.project_code,
                    kind=p.kind.value,
                    sequence=p.sequence,
                    period_start=p.period_start,
                    period_end=p.period_end,
                    due_date=p.due_date,
                    responsible_role=p.responsible_role,
                )
            )
            counts["added"] += 1
        elif (o.period_start, o.period_end, o.due_date) != (p.period_start, p.period_end, p.due_date):
            o.period_start, o.period_end, o.due_date = p.period_start, p.period_end, p.due_date
            o.version += 1
            o.updated_at = utcnow()
            counts["updated"] += 1
    for key, o in existing.items():
        if key not in planned:
            if o.id in linked:
                counts["kept"] += 1
            else:
                await session.delete(o)
                counts["removed"] += 1
    await session.flush()
    return counts


async def put(
    session: AsyncSession,
    *,
    code: str,
    data: CalendarRules,
    actor: Principal | str,
    current: ReportingCalendar | None,
) -> tuple[ReportingCalendar, dict[str, int]]:
    values = data.model_dump(mode="json")
    values["calendar_start"], values["calendar_end"] = data.calendar_start, data.calendar_end
    if current is None:
        calendar = ReportingCalendar(project_code=code, **values)
        session.add(calendar)
        before: dict[str, Any] = {}
    else:
        calendar = current
        before = {f: getattr(calendar, f) for f in RULE_FIELDS}
        for field, value in values.items():
            setattr(calendar, field, value)
        calendar.version += 1
        calendar.updated_at = utcnow()
    await session.flush()
    counts = await regenerate(session, calendar)
    await audit.record(
        session,
        actor=actor,
        action="create" if current is None else "update",
        entity_type="reporting_calendar",
        entity_id=code,
        changes={
            "rules": {f: [before.get(f), values[f]] for f in RULE_FIELDS if before.get(f) != values[f]},
            "obligations": counts,
        },
    )
    return calendar, counts


def new_feed_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


async def by_feed_token(session: AsyncSession, token: str) -> ReportingCalendar:
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = (
        await session.exec(select(ReportingCalendar).where(ReportingCalendar.feed_token_sha256 == digest))
    ).first()
    if found is None or not secrets.compare_digest(found.feed_token_sha256 or "", digest):
        raise NotFound("No calendar feed has this address (it may have been replaced by a new one).")
    return found


async def frozen_by_obligation(
    session: AsyncSession, ids: list[int]
) -> dict[int, list[tuple[int, int, dt.datetime]]]:
    stmt = (
        select(Report.obligation_id, ReportVersion.report_id, ReportVersion.number, ReportVersion.frozen_at)
        .join(Report, col(Report.id) == col(ReportVersion.report_id))
        .where(col(Report.obligation_id).in_(ids))
    )
    out: dict[int, list[tuple[int, int, dt.datetime]]] = {}
    for ob_id, report_id, number, at in (await session.exec(stmt)).all():
        if ob_id is not None:
            out.setdefault(ob_id, []).append((report_id, number, at))
    return out


async def claims(
    budget: PeerClient, principal: Principal, code: str
) -> tuple[list[dict[str, Any]] | None, str]:
    """The project's payment claims as the caller may see them, or None and why not."""
    try:
        answer = await budget.get(f"/projects/{code}/claims", principal, params={"limit": "200"})
    except PeerUnavailable as exc:
        return None, exc.detail
    if not answer.ok or not isinstance(answer.body, dict):
        return None, f"HTTP {answer.status}"
    return list(answer.body.get("items", [])), ""


async def with_status(
    session: AsyncSession,
    calendar: ReportingCalendar,
    rows: list[Obligation],
    day: dt.date,
    claim_list: list[dict[str, Any]] | None,
    why: str,
) -> list[ObligationPublic]:
    frozen = await frozen_by_obligation(session, [o.id for o in rows if o.id is not None])
    out = []
    for o in rows:
        evidence: Evidence = (
            claim_evidence(o.period_start, o.period_end, claim_list, why)
            if o.kind == R.Kind.payment_claim
            else version_evidence(frozen.get(o.id or 0, []))
        )
        due = o.effective_due
        out.append(
            ObligationPublic(
                id=o.id or 0,
                project_code=o.project_code,
                kind=R.Kind(o.kind),
                sequence=o.sequence,
                period_start=o.period_start,
                period_end=o.period_end,
                due_date=o.due_date,
                extended_to=o.extended_to,
                extension_reason=o.extension_reason,
                effective_due=due,
                responsible_role=o.responsible_role,
                responsible_person_id=o.responsible_person_id,
                status=status_on(due, day, calendar.due_soon_days, evidence),
                status_on=day,
                days_left=(due - day).days,
                done_detail=evidence.detail,
                done_known=evidence.known,
                version=o.version,
            )
        )
    return out
