"""Governance of budget changes: rules per project, decisions, the version in force over time, numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from budget.db import Base
from budget.models.project import utcnow
from hanke_libs.db import UtcDateTime
from hanke_libs.money import Cents


class GovernanceRule(Base, table=True):
    """One rule that makes a budget change substantial, as data per project (defaults from the funder)."""

    __tablename__ = "governance_rule"
    __table_args__ = (UniqueConstraint("project_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    code: str = Field(max_length=40)
    enabled: bool = True
    threshold_bp: int | None = Field(
        default=None, description="A share threshold in basis points (1000 = 10 %)"
    )
    threshold_amount: Decimal | None = Field(default=None, sa_type=Cents)
    decided_by: str = Field(max_length=20, description="city_board | funder: whose decision the change needs")


class BudgetDecision(Base, table=True):
    """A decision on a budget version by the city board or the funder (e.g. "Kh § 81/2019")."""

    __tablename__ = "budget_decision"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("budget_version.id"), nullable=False))
    body: str = Field(max_length=20, description="city_board | funder")
    decided_on: dt.date
    reference: str = Field(max_length=200)
    document_url: str | None = Field(default=None, max_length=1000)
    outcome: str = Field(default="approved", max_length=20, description="approved | rejected")
    note: str | None = Field(default=None, max_length=2000)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    recorded_by: str = Field(default="", max_length=200)


class BudgetInForce(Base, table=True):
    """The history of the baseline: from ``effective_from`` on, ``version_id`` is the version in force."""

    __tablename__ = "budget_in_force"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(Integer, ForeignKey("project.id"), nullable=False))
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("budget_version.id"), nullable=False))
    effective_from: dt.date
    entered_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)  # type: ignore[call-overload]
    entered_by: str = Field(default="", max_length=200)
    decision_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("budget_decision.id"), nullable=True)
    )


class NumberSequence(Base, table=True):
    """The last number given per project and kind (claim, version): numbers are allocated atomically."""

    __tablename__ = "number_sequence"

    project_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=20)
    last: int = 0
