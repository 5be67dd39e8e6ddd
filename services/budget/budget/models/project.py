"""Projects, their implementers, funding sources, own-funding caps, budget versions and lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from budget.db import Base
from hanke_libs.db import UtcDateTime
from hanke_libs.money import Cents


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CostCategory(Base, table=True):
    """A cost category (kustannuslaji). Data, not an enum: loaded by migration 0002."""

    __tablename__ = "cost_category"

    code: str = Field(primary_key=True, max_length=40)
    name_fi: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    kind: str = Field(max_length=20, description="cost | income | flat_rate")
    position: int = 0
    flat_rate_base: bool = Field(default=False, description="Staff costs: the base of flat rates")
    replaced_by_flat_rate: bool = Field(default=False, description="Overheads: replaced by a flat rate")


class Project(Base, table=True):
    """An externally funded project (hanke)."""

    __tablename__ = "project"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=300)
    funder: str = Field(max_length=200)
    programme: str = Field(max_length=300)
    period_start: dt.date
    period_end: dt.date
    lead_implementer: str = Field(max_length=20)
    cost_model: str = Field(max_length=20)
    objectives: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="The project's objectives (work packages) as in the plan in force",
    )
    pilots_min: int | None = Field(default=None, description="Pilot portfolio size: at least")
    pilots_max: int | None = Field(default=None, description="Pilot portfolio size: at most")
    current_version_id: int | None = Field(default=None)
    version: int = 1
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]


class ProjectImplementer(Base, table=True):
    """An implementer (toteuttaja) of a project: the lead (päätoteuttaja) or a co-implementer."""

    __tablename__ = "project_implementer"
    __table_args__ = (UniqueConstraint("project_id", "business_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    business_id: str = Field(max_length=20)
    name: str = Field(max_length=200)
    role: str = Field(max_length=10, description="lead | co")


class FundingSource(Base, table=True):
    """A funding source with its share of eligible cost, in basis points (8000 = 80 %)."""

    __tablename__ = "funding_source"
    __table_args__ = (UniqueConstraint("project_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, description="esr | own | municipal | other_public | private")
    share_bp: int = Field(description="Share in basis points of a percent (8000 = 80.00 %)")
    position: int = 0


class OwnFundingCap(Base, table=True):
    """An implementer's own-funding cap, for the whole project (year null) or one year."""

    __tablename__ = "own_funding_cap"
    __table_args__ = (UniqueConstraint("project_id", "implementer", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    implementer: str = Field(max_length=20)
    year: int | None = None
    cap: Decimal = Field(sa_type=Cents)
    warn_percent: int = Field(default=90, description="At or above this share of the cap: at_risk")


class BudgetVersion(Base, table=True):
    """A budget version (applied, decided, amended) with its whole plan. Append-only.

    ``status`` is the decision state (pending_decision, approved, rejected); which version is in
    force, and since when, is the history in :class:`BudgetInForce` (the project points at the
    current one). ``plan`` is the funding plan the version stands for (period, implementers,
    funding sources, own-funding caps, objectives, pilot portfolio size); ``review`` is its
    comparison with the version in force when it was made (the governance rules that fired).
    """

    __tablename__ = "budget_version"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    number: int
    kind: str = Field(max_length=20, description="applied | decided | amended")
    status: str = Field(
        default="approved", max_length=20, description="pending_decision | approved | rejected"
    )
    reason: str = Field(default="", max_length=2000)
    substantial: bool = False
    plan: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    review: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    note: str | None = Field(default=None, max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    created_by: str = Field(default="", max_length=200)


class BudgetLine(Base, table=True):
    """One line of a budget version: implementer × year × cost category."""

    __tablename__ = "budget_line"
    __table_args__ = (UniqueConstraint("version_id", "implementer", "year", "category_code"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("budget_version.id"), nullable=False))
    implementer: str = Field(max_length=20)
    year: int
    category_code: str = Field(sa_column=Column(ForeignKey("cost_category.code"), nullable=False))
    amount: Decimal = Field(sa_type=Cents)
    note: str | None = Field(default=None, max_length=500)
