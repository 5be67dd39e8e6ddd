"""Reminders: enqueue the day's due-soon and overdue reminders; read the outbox."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlmodel import col, select

from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from reports.calendar import service
from reports.db import audit
from reports.models import Notification
from reports.outbox.enqueue import enqueue
from reports.routes.common import Code, Day, Manager, OutboxReader, peers_of, today
from reports.schemas.calendar import NotificationPublic, ScanResult

router = APIRouter(tags=["notifications"])


@router.post(
    "/projects/{code}/notifications/scan",
    response_model=ScanResult,
    summary="Enqueue the reminders of a day (each reminder once, however often this runs)",
)
async def scan(
    code: Code, request: Request, session: SessionDep, principal: Manager, date: Day = None
) -> ScanResult:
    """Run daily (a scheduled job with a project manager's or service account's token): statuses are
    decided with the caller's view of the budget service's claims; the delivery worker sends them."""
    day = today(date)
    calendar = await service.get(session, code)
    rows = await service.obligations(session, code)
    claims, why = await service.claims(peers_of(request)["budget"], principal, code)
    statuses = await service.with_status(session, calendar, rows, day, claims, why)
    made, existing = await enqueue(
        session, calendar=calendar, rows={o.id: o for o in rows if o.id}, statuses=statuses, day=day
    )
    await audit.record(
        session,
        actor=principal,
        action="enqueue_reminders",
        entity_type="reporting_calendar",
        entity_id=code,
        changes={"date": day.isoformat(), "enqueued": made, "already_enqueued": existing},
    )
    return ScanResult(
        project_code=code,
        date=day,
        enqueued=made,
        already_enqueued=existing,
        recipients=list(calendar.notify_to),
    )


@router.get(
    "/projects/{code}/notifications",
    response_model=Page[NotificationPublic],
    summary="The outbox of a project",
)
async def notifications(
    code: Code, session: SessionDep, _: OutboxReader, page: PageDep
) -> Page[NotificationPublic]:
    """The project's outbox: the reminders enqueued for it and whether each has been sent."""
    rows = (
        await session.exec(
            select(Notification)
            .where(Notification.project_code == code)
            .order_by(col(Notification.id))
            .offset(page.offset)
            .limit(page.limit + 1)
        )
    ).all()
    return offset_page([NotificationPublic.model_validate(r, from_attributes=True) for r in rows], page)
