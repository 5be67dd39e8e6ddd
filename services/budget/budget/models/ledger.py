"""The cost ledger (kustannuskirjanpito), its summary table, period locks and account mapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field

from budget.db import Base
from budget.models.project import utcnow
from hanke_libs.db import UtcDateTime
from hanke_libs.money import Cents

BIGID = BigInteger().with_variant(Integer(), "sqlite")


class CostEntry(Base, table=True):
    """One ledger entry: an expense, a correction (credit) or income, voucher by voucher."""

    __tablename__ = "cost_entry"
    __table_args__ = (
        UniqueConstraint("project_id", "implementer", "voucher_ref"),
        Index("ix_cost_entry_project_date", "project_id", "entry_date"),
        Index("ix_cost_entry_project_pilot", "project_id", "pilot_id"),
        Index("ix_cost_entry_claim", "claim_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BIGID, primary_key=True, autoincrement=True))
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    implementer: str = Field(max_length=20)
    entry_date: dt.date
    category_code: str = Field(sa_column=Column(String(40), ForeignKey("cost_category.code"), nullable=False))
    kind: str = Field(max_length=20, description="expense | correction | income")
    amount: Decimal = Field(sa_type=Cents, description="Net amount; a correction may be negative")
    flat_amount: Decimal = Field(sa_type=Cents, description="Computed flat-rate amount of a staff cost")
    voucher_ref: str = Field(max_length=60)
    description: str = Field(default="", max_length=500)
    pilot_id: str | None = Field(default=None, max_length=64)
    vat_treatment: str = Field(default="not_applicable", max_length=30)
    hours: Decimal | None = Field(default=None, sa_type=Cents)
    hourly_rate: Decimal | None = Field(default=None, sa_type=Cents)
    account: str | None = Field(default=None, max_length=20)
    account_name: str | None = Field(default=None, max_length=200)
    cost_centre: str | None = Field(default=None, max_length=40)
    claim_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("payment_claim.id"), nullable=True)
    )
    version: int = 1
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    created_by: str = Field(default="", max_length=200)


class LedgerSummary(Base, table=True):
    """Ledger totals per implementer × category × month, kept in the same transaction as every write.

    Its size follows implementers × categories × months, not the number of vouchers, so figures
    never scan the ledger.
    """

    __tablename__ = "ledger_summary"

    project_id: int = Field(primary_key=True)
    implementer: str = Field(primary_key=True, max_length=20)
    category_code: str = Field(primary_key=True, max_length=40)
    month: int = Field(primary_key=True, description="yyyymm")
    amount: Decimal = Field(sa_type=Cents)
    flat_amount: Decimal = Field(sa_type=Cents)
    entries: int = 0


class PeriodLock(Base, table=True):
    """A locked period: no entry dated in it may be written. Lock and unlock record who and why."""

    __tablename__ = "period_lock"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    implementer: str | None = Field(default=None, max_length=20)
    period_start: dt.date
    period_end: dt.date
    reason: str = Field(max_length=1000)
    locked_by: str = Field(max_length=200)
    locked_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    unlocked_by: str | None = Field(default=None, max_length=200)
    unlocked_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)  # type: ignore[call-overload]
    unlock_reason: str | None = Field(default=None, max_length=1000)


class AccountMapping(Base, table=True):
    """Maps a range of accounts of the chart of accounts to a cost category (project null = default)."""

    __tablename__ = "account_mapping"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("project.id"), nullable=True)
    )
    account_from: int
    account_to: int
    category_code: str = Field(sa_column=Column(String(40), ForeignKey("cost_category.code"), nullable=False))
