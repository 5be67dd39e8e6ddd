"""API models of payment claims."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from budget.schemas import FigureScope, Money, MoneyIn, Strict, Text
from hanke_libs.inputs import StrictDate
from hanke_libs.personal import PersonalField


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
    period_start: StrictDate
    period_end: StrictDate
    requested_amount: MoneyIn | None = Field(default=None, gt=0, description="Advance claims only")
    note: Text | None = Field(default=None, max_length=2000)


class ClaimStatusChange(Strict):
    status: ClaimStatus
    approved_amount: MoneyIn | None = Field(default=None, ge=0)
    note: Text | None = Field(default=None, max_length=2000)


class ClaimPublic(BaseModel):
    number: int
    kind: str
    period_start: dt.date
    period_end: dt.date
    status: str
    frozen: bool = Field(description="Submitted: the figures are the frozen snapshot")
    scope: FigureScope = Field(
        description="null implementer: the whole joint claim; otherwise the co-implementer's own part only"
    )
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
    note: str | None = PersonalField(description="Free text")
    submitted_at: dt.datetime | None
    submitted_by: str | None = PersonalField()
    created_by: str | None = PersonalField()
    version: int
    href: str
    ledger: str = Field(description="The ledger entries of the claim (within the caller's scope)")
    verify: str = Field(description="Check the frozen claim against its rows")
    how: str


class ClaimCheck(BaseModel):
    """A frozen claim recomputed from its rows and compared with its snapshot."""

    project: str
    number: int
    status: str
    frozen: bool
    consistent: bool = Field(
        description="The snapshot's totals and vouchers equal the rows' (always true for a draft)"
    )
    checked_entries: int
    differences: list[dict[str, Any]]
    how: str
