"""Payment claims (maksatushakemus)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from budget.db import Base
from budget.models.project import utcnow
from hanke_libs.db import UtcDateTime
from hanke_libs.money import Cents


class PaymentClaim(Base, table=True):
    """A payment claim of the whole joint project for one period, filed by the lead implementer."""

    __tablename__ = "payment_claim"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    number: int
    kind: str = Field(max_length=20, description="interim | final | advance")
    period_start: dt.date
    period_end: dt.date
    status: str = Field(default="draft", max_length=30)
    requested_amount: Decimal | None = Field(default=None, sa_type=Cents)
    approved_amount: Decimal | None = Field(default=None, sa_type=Cents)
    snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    note: str | None = Field(default=None, max_length=2000)
    submitted_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)  # type: ignore[call-overload]
    submitted_by: str | None = Field(default=None, max_length=200)
    version: int = 1
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    created_by: str = Field(default="", max_length=200)
