"""API models of the funding plan: implementers, funding sources and shares, own-funding caps."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from budget.schemas import BusinessId, ImplementerRole, Line, Money, MoneyIn, SourceKind, Strict


class ImplementerIn(Strict):
    business_id: BusinessId
    name: Line = Field(min_length=1, max_length=200)
    role: ImplementerRole


class FundingSourceIn(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    name: Line = Field(min_length=1, max_length=200)
    kind: SourceKind
    share_percent: Decimal = Field(gt=0, le=100, decimal_places=2)


class CapIn(Strict):
    implementer: BusinessId
    year: int | None = Field(default=None, ge=2000, le=2100, description="null: the whole project")
    cap: MoneyIn = Field(ge=0)
    warn_percent: int = Field(default=90, ge=1, le=100)


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


def check_plan_parts(
    implementers: list[ImplementerIn], sources: list[FundingSourceIn], caps: list[CapIn]
) -> None:
    """The funding plan's own rules (ValueError with the reason): shares sum to 100, one lead, ..."""
    if sum(s.share_percent for s in sources) != 100:
        raise ValueError("the funding sources' share_percent must sum to exactly 100")
    if [i.role for i in implementers].count(ImplementerRole.lead) != 1:
        raise ValueError("exactly one implementer must have the role lead")
    ids = [i.business_id for i in implementers]
    if len(set(ids)) != len(ids):
        raise ValueError("an implementer is listed twice")
    if len({s.code for s in sources}) != len(sources):
        raise ValueError("a funding source code is listed twice")
    for cap in caps:
        if cap.implementer not in ids:
            raise ValueError(f"own-funding cap for {cap.implementer}, who is not an implementer")
    if len({(c.implementer, c.year) for c in caps}) != len(caps):
        raise ValueError("an own-funding cap is listed twice for the same implementer and year")
