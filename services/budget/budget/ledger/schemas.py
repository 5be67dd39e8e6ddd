"""API models of the cost ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from budget.schemas import BusinessId, EntryKind, Line, Money, MoneyIn, Strict, Text, VatTreatment
from hanke_libs.inputs import Nullable, PatchModel, StrictDate
from hanke_libs.personal import PersonalField

Hours = Annotated[Decimal, Field(gt=0, le=100000, max_digits=8, decimal_places=2)]
STAFF_HOURS_PER_YEAR = Decimal(1720)


class CostEntryCreate(Strict):
    """A ledger entry. Staff costs may be given as ``hours`` × ``hourly_rate`` (or × the rate of an
    ``annual_gross_cost`` ÷ 1 720 h) instead of an ``amount``; the flat rate is always computed."""

    implementer: BusinessId | None = Field(default=None, description="Defaults to a finance caller's own")
    entry_date: StrictDate = Field(description="The voucher's date (tositepäivä), YYYY-MM-DD")
    category: Line = Field(min_length=1, max_length=40)
    kind: EntryKind = EntryKind.expense
    amount: MoneyIn | None = None
    voucher_ref: Line = Field(min_length=1, max_length=60)
    description: Line = Field(default="", max_length=500, description="The voucher's description (selite)")
    pilot_id: Line | None = Field(
        default=None, min_length=1, max_length=64, description="A pilot of the project"
    )
    vat_treatment: VatTreatment = VatTreatment.not_applicable
    hours: Hours | None = None
    hourly_rate: MoneyIn | None = Field(default=None, gt=0)
    annual_gross_cost: MoneyIn | None = Field(default=None, gt=0)
    account: Line | None = Field(default=None, max_length=20)
    account_name: Line | None = Field(default=None, max_length=200)
    cost_centre: Line | None = Field(default=None, max_length=40)


class CostEntryUpdate(PatchModel):
    """Fields left out keep their value; ``null`` clears only pilot_id, hours and hourly_rate."""

    entry_date: StrictDate | None = None
    category: Line | None = Field(default=None, min_length=1, max_length=40)
    kind: EntryKind | None = None
    amount: MoneyIn | None = None
    voucher_ref: Line | None = Field(default=None, min_length=1, max_length=60)
    description: Line | None = Field(default=None, max_length=500)
    pilot_id: Nullable[Annotated[Line, Field(min_length=1, max_length=64)]] = None
    vat_treatment: VatTreatment | None = None
    hours: Nullable[Hours] = None
    hourly_rate: Nullable[Annotated[MoneyIn, Field(gt=0)]] = None


class CostEntryPublic(BaseModel):
    id: int
    implementer: str
    entry_date: dt.date
    category: str
    kind: str
    amount: Money
    flat_amount: Money = Field(description="Computed flat-rate amount (staff costs under a flat-rate model)")
    eligible_effect: Money = Field(
        description="Effect on eligible cost: amount + flat_amount, or −amount for income"
    )
    voucher_ref: str
    description: str | None = PersonalField(description="The voucher's description (selite), free text")
    pilot_id: str | None
    vat_treatment: str
    hours: Decimal | None
    hourly_rate: Money | None
    account: str | None
    account_name: str | None
    cost_centre: str | None
    claim_id: int | None
    locked: bool
    version: int
    created_at: dt.datetime
    created_by: str | None = PersonalField(description="Who booked the entry")


class PeriodLockCreate(Strict):
    implementer: BusinessId | None = Field(default=None, description="null: every implementer")
    period_start: StrictDate
    period_end: StrictDate
    reason: Text = Field(min_length=1, max_length=1000)


class PeriodUnlock(Strict):
    reason: Text = Field(min_length=1, max_length=1000)


class PeriodLockPublic(BaseModel):
    id: int
    implementer: str | None
    period_start: dt.date
    period_end: dt.date
    reason: str | None = PersonalField(description="Why the period was locked (free text)")
    locked_by: str | None = PersonalField()
    locked_at: dt.datetime
    active: bool
    unlocked_by: str | None = PersonalField()
    unlocked_at: dt.datetime | None
    unlock_reason: str | None = PersonalField()
    href: str
