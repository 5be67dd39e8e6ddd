"""API models of projects."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator

from budget.funding.schemas import (
    CapIn,
    CapPublic,
    FundingSourceIn,
    FundingSourcePublic,
    ImplementerIn,
    ImplementerPublic,
    check_plan_parts,
)
from budget.schemas import BudgetInUse, CostModel, Line, Strict
from hanke_libs.inputs import PatchModel, StrictDate

Objective = str


class BudgetProjectCreate(Strict):
    """A new project with its funding plan; the first budget version is added afterwards."""

    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: Line = Field(min_length=1, max_length=300)
    funder: Line = Field(min_length=1, max_length=200)
    programme: Line = Field(min_length=1, max_length=300)
    period_start: StrictDate
    period_end: StrictDate
    cost_model: CostModel
    implementers: list[ImplementerIn] = Field(min_length=1, max_length=50)
    funding_sources: list[FundingSourceIn] = Field(min_length=1, max_length=20)
    own_funding_caps: list[CapIn] = Field(default_factory=list, max_length=500)
    objectives: list[str] = Field(
        default_factory=list, max_length=20, description="Objectives / work packages"
    )
    pilots_min: int | None = Field(default=None, ge=0, le=1000, description="Pilot portfolio: at least")
    pilots_max: int | None = Field(default=None, ge=0, le=1000, description="Pilot portfolio: at most")

    @model_validator(mode="after")
    def _check(self) -> BudgetProjectCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        check_plan_parts(self.implementers, self.funding_sources, self.own_funding_caps)
        if None not in (self.pilots_min, self.pilots_max) and self.pilots_min > self.pilots_max:  # type: ignore[operator]
            raise ValueError("pilots_min is above pilots_max")
        if any(not o.strip() or len(o) > 500 for o in self.objectives):
            raise ValueError("an objective is empty or longer than 500 characters")
        return self


class BudgetProjectUpdate(PatchModel):
    """Name, period and cost model (none of them may be null). The period is governed by budget
    versions once one is in force."""

    name: Line | None = Field(default=None, min_length=1, max_length=300)
    cost_model: CostModel | None = None
    period_start: StrictDate | None = None
    period_end: StrictDate | None = None


class BudgetProjectPublic(BaseModel):
    code: str
    name: str
    funder: str
    programme: str
    period_start: dt.date
    period_end: dt.date
    lead_implementer: str
    cost_model: str
    current_version: int | None = Field(description="The number of the budget version in force")
    budget_in_force: BudgetInUse
    implementers: list[ImplementerPublic]
    funding_sources: list[FundingSourcePublic]
    own_funding_caps: list[CapPublic] = Field(description="Finance sees its own implementer's caps only")
    objectives: list[str]
    pilots_min: int | None
    pilots_max: int | None
    rounding_rule: str
    version: int
    href: str
