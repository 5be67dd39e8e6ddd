"""The notification outbox: reminders written in the transaction that decides them, sent by a worker."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field

from hanke_libs.db import UtcDateTime
from reports.db import Base
from reports.models.types import utcnow


class Notification(Base, table=True):
    """One reminder to send. ``dedupe_key`` makes the same reminder (obligation, kind, due date)
    enqueued once however often the scan runs; a worker claims it by a conditional update."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    project_code: str = Field(max_length=40, index=True)
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id", index=True)
    kind: str = Field(max_length=30)
    dedupe_key: str = Field(max_length=200, unique=True)
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)  # type: ignore[call-overload]
    sent_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)  # type: ignore[call-overload]
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
