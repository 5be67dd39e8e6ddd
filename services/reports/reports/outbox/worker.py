"""The delivery worker: claims pending reminders, sends each, marks it sent.

A reminder is claimed by one conditional ``UPDATE … SET status='sending', claimed_by=<worker>
WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) AND status='pending' RETURNING …`` (SQLite, which
serialises writers, takes the same statement without the lock clause), so two workers running at
once never claim the same row. Marking it sent is conditional on the claim too. What remains
at-least-once: a worker that dies after its SMTP server accepted a message but before marking it
sent leaves it ``sending``; after ``lease_seconds`` another worker sends it again (with the same
Message-ID, which mail systems use to drop duplicates). A reminder failing ``max_attempts`` times
becomes ``failed``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid

from sqlalchemy import and_, or_, select, update

from hanke_libs.db import Database
from reports.db import audit
from reports.models import Notification
from reports.models.types import utcnow
from reports.outbox.delivery import Message, Sender

log = logging.getLogger("hanke.reports.outbox")
T = Notification.__table__  # type: ignore[attr-defined]
DOMAIN = "reports.hanke.kuopio.example"


class Outbox:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        *,
        worker_id: str | None = None,
        lease_seconds: int = 300,
        batch_size: int = 20,
        max_attempts: int = 5,
    ) -> None:
        self.db = db
        self.sender = sender
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.max_attempts = max_attempts

    def _claimable(self, now: dt.datetime):  # type: ignore[no-untyped-def]
        return and_(
            or_(T.c.status == "pending", and_(T.c.status == "sending", T.c.claimed_at < now - self.lease)),
            T.c.attempts < self.max_attempts,
        )

    async def claim(self) -> list[Message]:
        now = utcnow()
        async with self.db.write_session() as session:
            conn = await session.connection()
            pick = select(T.c.id).where(self._claimable(now)).order_by(T.c.id).limit(self.batch_size)
            if conn.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            stmt = (
                update(T)
                .where(T.c.id.in_(pick.scalar_subquery()), self._claimable(now))
                .values(
                    status="sending", claimed_by=self.worker_id, claimed_at=now, attempts=T.c.attempts + 1
                )
                .returning(T.c.id, T.c.recipients, T.c.subject, T.c.body)
            )
            rows = (await conn.execute(stmt)).all()
            await session.commit()
        return [
            Message(
                id=r.id,
                recipients=list(r.recipients),
                subject=r.subject,
                body=r.body,
                message_id=f"<notification-{r.id}@{DOMAIN}>",
            )
            for r in sorted(rows, key=lambda r: r.id)
        ]

    async def _finish(self, message: Message, error: str | None) -> None:
        async with self.db.write_session() as session:
            conn = await session.connection()
            mine = and_(T.c.id == message.id, T.c.claimed_by == self.worker_id, T.c.status == "sending")
            if error is None:
                values = {"status": "sent", "sent_at": utcnow(), "last_error": None}
            else:
                attempts = (await conn.execute(select(T.c.attempts).where(T.c.id == message.id))).scalar_one()
                values = {
                    "status": "failed" if attempts >= self.max_attempts else "pending",
                    "last_error": error[:2000],
                }
            result = await conn.execute(update(T).where(mine).values(**values))
            if result.rowcount:
                await audit.record(
                    session,
                    actor=f"outbox:{self.worker_id}",
                    action="send" if error is None else "send_failed",
                    entity_type="notification",
                    entity_id=message.id,
                    changes={"status": values["status"], "recipients": len(message.recipients)},
                )
            await session.commit()

    async def run_once(self) -> int:
        """Claim one batch and deliver it; how many were sent."""
        sent = 0
        for message in await self.claim():
            try:
                await self.sender.send(message)
            except Exception as exc:  # any delivery failure is recorded and retried later
                log.warning("reminder %s not sent: %s", message.id, exc)
                await self._finish(message, f"{type(exc).__name__}: {exc}")
            else:
                await self._finish(message, None)
                sent += 1
        return sent

    async def drain(self) -> int:
        """Deliver until nothing is claimable; how many were sent."""
        total = 0
        while True:
            claimed_any = await self.run_once()
            total += claimed_any
            if not claimed_any and not await self._pending():
                return total

    async def _pending(self) -> bool:
        async with self.db.read_session() as session:
            conn = await session.connection()
            row = (await conn.execute(select(T.c.id).where(self._claimable(utcnow())).limit(1))).first()
            return row is not None

    async def run_forever(self, stop: asyncio.Event, interval_seconds: float = 30.0) -> None:
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:  # a database hiccup: log and try again on the next round
                log.exception("outbox round failed")
            try:
                await asyncio.wait_for(stop.wait(), interval_seconds)
            except TimeoutError:
                pass
