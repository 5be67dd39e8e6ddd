"""Table models of the budget service. Importing this package registers every table in ``metadata``."""

from __future__ import annotations

from budget.db import Base, audit, metadata
from budget.models.claims import PaymentClaim
from budget.models.governance import BudgetDecision, BudgetInForce, GovernanceRule, NumberSequence
from budget.models.ledger import AccountMapping, CostEntry, LedgerSummary, PeriodLock
from budget.models.project import (
    BudgetLine,
    BudgetVersion,
    CostCategory,
    FundingSource,
    OwnFundingCap,
    Project,
    ProjectImplementer,
)

__all__ = [
    "AccountMapping",
    "Base",
    "BudgetDecision",
    "BudgetInForce",
    "BudgetLine",
    "BudgetVersion",
    "CostCategory",
    "CostEntry",
    "FundingSource",
    "GovernanceRule",
    "LedgerSummary",
    "NumberSequence",
    "OwnFundingCap",
    "PaymentClaim",
    "PeriodLock",
    "Project",
    "ProjectImplementer",
    "audit",
    "metadata",
]
