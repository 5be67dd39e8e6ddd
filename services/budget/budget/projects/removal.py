"""Removing a project that holds no data yet: what the gateway's one-call create
(``POST /api/v1/projects``, ADR 0010) uses to undo its first step when a later one fails."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.db import audit
from budget.models import (
    AccountMapping,
    BudgetDecision,
    BudgetInForce,
    BudgetVersion,
    CostEntry,
    FundingSource,
    GovernanceRule,
    LedgerSummary,
    NumberSequence,
    OwnFundingCap,
    PaymentClaim,
    PeriodLock,
    ProjectImplementer,
)
from budget.projects import repository
from hanke_libs.auth import Principal
from hanke_libs.problems import Conflict

# What makes a project hold data: anything booked, decided or versioned after its creation.
DATA = (
    ("budget versions", BudgetVersion),
    ("ledger entries", CostEntry),
    ("payment claims", PaymentClaim),
    ("budget decisions", BudgetDecision),
    ("period locks", PeriodLock),
    ("account mappings", AccountMapping),
)
# What creating a project wrote: removed with it.
CREATED = (ProjectImplementer, FundingSource, OwnFundingCap, GovernanceRule, BudgetInForce, LedgerSummary)


async def remove_empty(*, session: AsyncSession, principal: Principal, code: str) -> None:
    """Delete project ``code`` with its funding plan and rules; 409 naming what it holds if it has data."""
    project = await repository.get(session=session, principal=principal, code=code, lock=True)
    held = []
    for label, model in DATA:
        stmt = select(func.count()).select_from(model).where(model.project_id == project.id)  # type: ignore[attr-defined]
        count = int((await session.exec(stmt)).one())
        if count:
            held.append(f"{count} {label}")
    if held:
        raise Conflict(
            f"Project {code} holds data ({', '.join(held)}): only a project with nothing but its funding "
            "plan can be removed.",
            slug="project-not-empty",
        )
    for table in (*CREATED, NumberSequence):
        column: Any = table.project_id  # type: ignore[attr-defined]
        await session.exec(delete(table).where(column == project.id))  # type: ignore[call-overload]
    await session.delete(project)
    await session.flush()
    await audit.record(
        session, actor=principal, action="delete", entity_type="project", entity_id=code, changes={}
    )
