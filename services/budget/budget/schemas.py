"""API models of the budget service (never table models). Money is a string with two decimals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator


def _money_str(value: Decimal) -> str:
    return f"{value:.2f}"


Money = Annotated[Decimal, PlainSerializer(_money_str, return_type=str, when_used="json")]
"""An amount in euros, serialised as a string with two decimals (e.g. "1592580.00")."""

MoneyIn = Annotated[
    Decimal,
    Field(max_digits=13, decimal_places=2, description="Euros with at most two decimals"),
    PlainSerializer(_money_str, return_type=str, when_used="json"),
]
BusinessId = Annotated[str, Field(min_length=3, max_length=20, pattern=r"^[0-9A-Za-z\-]+$")]


class CostModel(StrEnum):
    actual = "actual"
    flat_17 = "flat_17"
    flat_24 = "flat_24"
    flat_40 = "flat_40"
    lump_sum = "lump_sum"


FLAT_RATES = {"flat_17": Decimal("0.17"), "flat_24": Decimal("0.24"), "flat_40": Decimal("0.40")}


class ImplementerRole(StrEnum):
    lead = "lead"
    co = "co"


class SourceKind(StrEnum):
    esr = "esr"
    own = "own"
    municipal = "municipal"
    other_public = "other_public"
    private = "private"


class VersionKind(StrEnum):
    applied = "applied"
    decided = "decided"
    amended = "amended"


class EntryKind(StrEnum):
    expense = "expense"
    correction = "correction"
    income = "income"


class VatTreatment(StrEnum):
    not_applicable = "not_applicable"
    excluded_recoverable = "excluded_recoverable"
    included_not_recoverable = "included_not_recoverable"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImplementerIn(Strict):
    business_id: BusinessId
    name: str = Field(min_length=1, max_length=200)
    role: ImplementerRole


class FundingSourceIn(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: SourceKind
    share_percent: Decimal = Field(gt=0, le=100, decimal_places=2)


class CapIn(Strict):
    implementer: BusinessId
    year: int | None = Field(default=None, ge=2000, le=2100, description="null: the whole project")
    cap: MoneyIn = Field(ge=0)
    warn_percent: int = Field(default=90, ge=1, le=100)


class ProjectCreate(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=300)
    funder: str = Field(min_length=1, max_length=200)
    programme: str = Field(min_length=1, max_length=300)
    period_start: dt.date
    period_end: dt.date
    cost_model: CostModel
    implementers: list[ImplementerIn] = Field(min_length=1, max_length=50)
    funding_sources: list[FundingSourceIn] = Field(min_length=1, max_length=20)
    own_funding_caps: list[CapIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> ProjectCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if sum(s.share_percent for s in self.funding_sources) != 100:
            raise ValueError("the funding sources' share_percent must sum to exactly 100")
        if [i.role for i in self.implementers].count(ImplementerRole.lead) != 1:
            raise ValueError("exactly one implementer must have the role lead")
        ids = [i.business_id for i in self.implementers]
        if len(set(ids)) != len(ids):
            raise ValueError("an implementer is listed twice")
        if len({s.code for s in self.funding_sources}) != len(self.funding_sources):
            raise ValueError("a funding source code is listed twice")
        for cap in self.own_funding_caps:
            if cap.implementer not in ids:
                raise ValueError(f"own-funding cap for {cap.implementer}, who is not an implementer")
        return self


class ProjectUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    cost_model: CostModel | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None


class ImplementerPublic(BaseModel):
    business_id: str
    name: str
    role: str


class FundingSourcePublic(BaseModel):
    code: str
    name: str
    kind: str
    share_percent: Decimal
    position: int


class CapPublic(BaseModel):
    implementer: str
    year: int | None
    cap: Money
    warn_percent: int


class ProjectPublic(BaseModel):
    code: str
    name: str
    funder: str
    programme: str
    period_start: dt.date
    period_end: dt.date
    lead_implementer: str
    cost_model: str
    current_version: int | None
    implementers: list[ImplementerPublic]
    funding_sources: list[FundingSourcePublic]
    own_funding_caps: list[CapPublic]
    rounding_rule: str
    version: int


class BudgetLineIn(Strict):
    implementer: BusinessId
    year: int = Field(ge=2000, le=2100)
    category: str = Field(min_length=1, max_length=40)
    amount: MoneyIn = Field(ge=0)
    note: str | None = Field(default=None, max_length=500)


class BudgetVersionCreate(Strict):
    kind: VersionKind
    reason: str = Field(min_length=1, max_length=2000)
    substantial: bool = False
    board_decision_ref: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    make_current: bool = True
    lines: list[BudgetLineIn] = Field(min_length=1, max_length=5000)


class BudgetLinePublic(BaseModel):
    implementer: str
    year: int
    category: str
    amount: Money
    note: str | None


class BudgetVersionPublic(BaseModel):
    number: int
    kind: str
    reason: str
    substantial: bool
    board_decision_ref: str | None
    needs_board_decision: bool = Field(description="Substantial change without a recorded board decision")
    note: str | None
    current: bool
    created_at: dt.datetime
    created_by: str
    total: Money
    lines: list[BudgetLinePublic]
