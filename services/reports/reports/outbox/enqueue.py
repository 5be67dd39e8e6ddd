"""Writing reminders into the outbox: one per obligation that is due soon or overdue on a day.

The dedupe key (obligation, status, effective due date) is unique, so running the scan again, or
two scans at once, enqueues nothing twice (insert … on conflict do nothing); an extension gives a
new due date and so a new reminder.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from reports.calendar.ics import summary
from reports.calendar.status import Status
from reports.models import Notification, Obligation, ReportingCalendar
from reports.models.types import utcnow
from reports.schemas.calendar import ObligationPublic

TABLE = Notification.__table__  # type: ignore[attr-defined]
SUBJECT = {
    Status.due_soon: "Muistutus: {what} erääntyy {due}",
    Status.overdue: "Myöhässä: {what} erääntyi {due}",
}


def _fi(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def body(o: ObligationPublic, status: Status, day: dt.date) -> str:
    return (
        f"{o.project_code}: {o.kind.value} {o.sequence}, kausi {_fi(o.period_start)}–{_fi(o.period_end)}.\n"
        f"Eräpäivä {_fi(o.effective_due)}"
        + (f" (jatkettu: {o.extension_reason})" if o.extended_to else "")
        + f".\nTilanne {_fi(day)}: {status.value} ({o.done_detail}).\n"
        f"Vastuussa: {o.responsible_role}.\n"
        f"Kalenteri: /api/v1/reports/projects/{o.project_code}/calendar?date={day.isoformat()}\n"
    )


async def enqueue(
    session: AsyncSession,
    *,
    calendar: ReportingCalendar,
    rows: dict[int, Obligation],
    statuses: list[ObligationPublic],
    day: dt.date,
) -> tuple[int, int]:
    """Enqueue the due-soon and overdue reminders of ``day``; (enqueued, already there)."""
    if not calendar.notify_to:
        return 0, 0
    values = []
    for o in statuses:
        if o.status not in (Status.due_soon, Status.overdue):
            continue
        status = Status(o.status)
        what = summary(rows[o.id], "fi")
        values.append(
            {
                "project_code": o.project_code,
                "obligation_id": o.id,
                "kind": status.value,
                "dedupe_key": f"{o.id}:{status.value}:{o.effective_due.isoformat()}",
                "recipients": list(calendar.notify_to),
                "subject": SUBJECT[status].format(what=what, due=_fi(o.effective_due)),
                "body": body(o, status, day),
                "status": "pending",
                "attempts": 0,
                "created_at": utcnow(),
            }
        )
    if not values:
        return 0, 0
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(TABLE)
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(TABLE.c.id)
    )
    made = len((await conn.execute(stmt)).all())
    return made, len(values) - made
