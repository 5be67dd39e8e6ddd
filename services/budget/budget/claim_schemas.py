"""API models of payment claims."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from budget.schemas import Money, MoneyIn, Strict


class ClaimKind(StrEnum):
    interim = "interim"
    final = "final"
    advance = "advance"


class ClaimStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    changes_requested = "changes_requested"
    approved = "approved"
    partially_approved = "partially_approved"
    paid = "paid"


TRANSITIONS: dict[str, set[str]] = {
    "draft": {"submitted"},
    "submitted": {"changes_requested", "approved", "partially_approved"},
    "changes_requested": {"submitted"},
    "approved": {"paid"},
    "partially_approved": {"paid"},
    "paid": set(),
}


class ClaimCreate(Strict):
    kind: ClaimKind = ClaimKind.interim
    period_start: dt.date
    period_end: dt.date
    requested_amount: MoneyIn | None = Field(default=None, gt=0, description="Advance claims only")
    note: str | None = Field(default=None, max_length=2000)


class ClaimStatusChange(Strict):
    status: ClaimStatus
    approved_amount: MoneyIn | None = Field(default=None, ge=0)
    note: str | None = Field(default=None, max_length=2000)


class ClaimPublic(BaseModel):
    number: int
    kind: str
    period_start: dt.date
    period_end: dt.date
    status: str
    frozen: bool = Field(description="Submitted: the figures are the frozen snapshot")
    entries: int
    costs: Money
    flat_rate: Money
    income: Money
    eligible: Money
    claimable_esr: Money = Field(description="The ESR share of eligible cost (or the advance requested)")
    requested_amount: Money | None
    approved_amount: Money | None
    funding_shares: list[dict[str, Any]] = Field(
        description="Eligible cost split by funding source (sums exactly)"
    )
    by_implementer: list[dict[str, Any]]
    note: str | None
    submitted_at: dt.datetime | None
    submitted_by: str | None
    created_by: str
    version: int
    ledger: str
    how: str
