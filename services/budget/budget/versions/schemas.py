"""API models of budget versions, their review, decisions and the baseline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool, model_validator

from budget.funding.schemas import (
    CapIn,
    CapPublic,
    FundingSourceIn,
    FundingSourcePublic,
    ImplementerIn,
    ImplementerPublic,
    check_plan_parts,
)
from budget.schemas import BusinessId, Line, Money, MoneyIn, Strict, Text, VersionKind
from hanke_libs.inputs import HTTP_URL_PATTERN, StrictDate
from hanke_libs.personal import PersonalField


class DecisionBody(StrEnum):
    city_board = "city_board"
    funder = "funder"


class DecisionOutcome(StrEnum):
    approved = "approved"
    rejected = "rejected"


class BudgetLineIn(Strict):
    implementer: BusinessId
    year: int = Field(ge=2000, le=2100)
    category: Line = Field(min_length=1, max_length=40)
    amount: MoneyIn = Field(ge=0)
    note: Line | None = Field(default=None, max_length=500)


class PlanIn(Strict):
    """The funding plan of a version; every part left out is taken from the version in force."""

    period_start: StrictDate | None = None
    period_end: StrictDate | None = None
    implementers: list[ImplementerIn] | None = Field(default=None, min_length=1, max_length=50)
    funding_sources: list[FundingSourceIn] | None = Field(default=None, min_length=1, max_length=20)
    own_funding_caps: list[CapIn] | None = Field(default=None, max_length=500)
    objectives: list[Annotated[Line, Field(min_length=1, max_length=500)]] | None = Field(
        default=None, max_length=20
    )
    pilots_min: int | None = Field(default=None, ge=0, le=1000)
    pilots_max: int | None = Field(default=None, ge=0, le=1000)


class BudgetVersionCreate(Strict):
    kind: VersionKind
    reason: Text = Field(min_length=1, max_length=2000)
    substantial: StrictBool = Field(
        default=False,
        description="Declare the change substantial (it then needs the city board's decision) even if no "
        "rule fires; false never overrides a rule that fires",
    )
    note: Text | None = Field(default=None, max_length=2000)
    make_current: StrictBool = Field(
        default=True, description="Enter into force at once when no decision is needed (project manager)"
    )
    lines: list[BudgetLineIn] = Field(min_length=1, max_length=5000)
    plan: PlanIn | None = Field(default=None, description="Changes to the funding plan (default: unchanged)")


class BudgetLinePublic(BaseModel):
    implementer: str
    year: int
    category: str
    amount: Money
    note: str | None


class PlanPublic(BaseModel):
    period_start: dt.date
    period_end: dt.date
    implementers: list[ImplementerPublic]
    funding_sources: list[FundingSourcePublic]
    own_funding_caps: list[CapPublic]
    objectives: list[str]
    pilots_min: int | None
    pilots_max: int | None


class DecisionCreate(Strict):
    """A decision of the city board or the funder on a budget version."""

    body: DecisionBody
    decided_on: StrictDate
    reference: Line = Field(min_length=1, max_length=200, description='e.g. "Kh § 81/2019"')
    document_url: str | None = Field(default=None, max_length=1000, pattern=HTTP_URL_PATTERN)
    outcome: DecisionOutcome = DecisionOutcome.approved
    note: Text | None = Field(default=None, max_length=2000)
    make_current: StrictBool = Field(
        default=True, description="Enter into force once every decision the version needs is recorded"
    )


class DecisionPublic(BaseModel):
    id: int
    body: str
    decided_on: dt.date
    reference: str
    document_url: str | None
    outcome: str
    note: str | None = PersonalField(description="Free text written by the person who recorded it")
    recorded_at: dt.datetime
    recorded_by: str | None = PersonalField(description="Who recorded the decision")
    href: str


class BudgetVersionPublic(BaseModel):
    number: int
    kind: str
    status: str = Field(description="pending_decision | approved | rejected | in_force | superseded")
    in_force: bool = Field(description="This is the version in force (the baseline)")
    current: bool = Field(description="Same as in_force (kept for existing clients)")
    reason: str | None = PersonalField(description="Why the version was made (free text)")
    substantial: bool = Field(description="A rule fired (or the change was declared substantial)")
    needs_decision_by: list[str] = Field(description="Bodies whose decision is still missing")
    review: dict[str, Any] | None = Field(description="Comparison with the version in force when it was made")
    decisions: list[DecisionPublic]
    note: str | None = PersonalField()
    created_at: dt.datetime
    created_by: str | None = PersonalField(description="Who made the version")
    total: Money = Field(description="Sum of the lines (the caller's implementer's only, for finance)")
    flat_rate: Money = Field(description="The flat rate computed from the staff lines")
    eligible_total: Money = Field(description="total + flat_rate: the eligible cost of the plan")
    lines: list[BudgetLinePublic]
    plan: PlanPublic
    href: str


class InForcePublic(BaseModel):
    """One change of the baseline: from ``effective_from`` on, ``version`` was in force."""

    version: int
    kind: str
    effective_from: dt.date
    entered_at: dt.datetime
    entered_by: str | None = PersonalField()
    decision: DecisionPublic | None
    href: str


class BaselinePublic(BaseModel):
    """The decided baseline: the version in force now, since when and on which decision."""

    project: str
    version: BudgetVersionPublic | None
    effective_from: dt.date | None
    decision: DecisionPublic | None
    history: str = Field(description="Link to every change of the baseline")


class GovernanceRuleIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    enabled: StrictBool = True
    decided_by: DecisionBody
    threshold_percent: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    threshold_amount: MoneyIn | None = Field(default=None, ge=0)


class GovernanceRulesIn(Strict):
    rules: list[GovernanceRuleIn] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique(self) -> GovernanceRulesIn:
        codes = [r.code for r in self.rules]
        if len(set(codes)) != len(codes):
            raise ValueError("a rule is listed twice")
        return self


class GovernanceRulePublic(BaseModel):
    code: str
    description: str
    enabled: bool
    decided_by: str
    threshold_percent: Decimal | None
    threshold_amount: Money | None


class GovernanceRulesPublic(BaseModel):
    project: str
    rules: list[GovernanceRulePublic]
    how: str


def check_plan(plan: PlanIn) -> None:
    """422-worthy ValueError when the given plan parts contradict each other."""
    if plan.implementers is not None and plan.funding_sources is not None:
        check_plan_parts(plan.implementers, plan.funding_sources, plan.own_funding_caps or [])
