"""What makes a ledger entry valid: the plan in force, the approved categories, the period, locks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.categories import category_map
from budget.funding.rules import flat_amount
from budget.ledger.schemas import STAFF_HOURS_PER_YEAR
from budget.models import BudgetLine, CostCategory, PeriodLock, Project
from budget.projects import repository as projects
from budget.schemas import FLAT_RATES
from budget.versions import repository as versions
from hanke_libs.money import round_cents
from hanke_libs.problems import Conflict, InvalidParam, UnprocessableContent


@dataclass
class LedgerContext:
    """What validating an entry needs, loaded once (an import validates thousands of rows with it)."""

    project: Project
    rate: Decimal | None
    categories: dict[str, CostCategory]
    allowed: dict[str, set[str]]
    implementers: set[str]
    locks: list[PeriodLock]
    has_version: bool = True
    errors: list[tuple[str, str]] = field(default_factory=list)


async def context(*, session: AsyncSession, project: Project) -> LedgerContext:
    version = await versions.current(session=session, project=project)
    allowed: dict[str, set[str]] = {}
    if version is not None:
        stmt = select(BudgetLine.implementer, BudgetLine.category_code).where(
            BudgetLine.version_id == version.id
        )
        for impl, cat in (await session.exec(stmt)).all():
            allowed.setdefault(impl, set()).add(cat)
    locks = (
        await session.exec(
            select(PeriodLock).where(
                PeriodLock.project_id == project.id, col(PeriodLock.unlocked_at).is_(None)
            )
        )
    ).all()
    return LedgerContext(
        project=project,
        rate=FLAT_RATES.get(project.cost_model),
        categories=await category_map(session),
        allowed=allowed,
        implementers=await projects.implementer_ids(session=session, project=project),
        locks=list(locks),
        has_version=version is not None,
    )


def validate(ctx: LedgerContext, v: dict[str, Any]) -> list[tuple[str, str]]:
    """Check and complete the values of one entry in place; returns (field, reason) errors."""
    errors: list[tuple[str, str]] = []
    p = ctx.project
    impl, day, kind, cat = v["implementer"], v["entry_date"], v["kind"], v["category_code"]
    if impl not in ctx.implementers:
        errors.append(("implementer", f"{impl} is not an implementer of project {p.code}"))
    if not p.period_start <= day <= p.period_end:
        errors.append(
            (
                "entry_date",
                f"{day.isoformat()} is outside the project period {p.period_start} – {p.period_end}",
            )
        )
    category = ctx.categories.get(cat)
    if kind == "income":
        if category is None or category.kind != "income":
            errors.append(("category", f"income is booked in the category 'income' (tulot), not {cat!r}"))
    elif category is None or category.kind != "cost":
        errors.append(("category", f"{cat!r} is not a cost category one can book"))
    elif not ctx.has_version:
        errors.append(("category", f"project {p.code} has no budget version in force"))
    elif cat not in ctx.allowed.get(impl, set()):
        errors.append(
            (
                "category",
                f"{cat} is not in the budget version in force for {impl}: book it in an approved category",
            )
        )
    hours, rate = v.get("hours"), v.get("hourly_rate")
    if v.get("annual_gross_cost") is not None:
        rate = v["hourly_rate"] = round_cents(v["annual_gross_cost"] / STAFF_HOURS_PER_YEAR)
    if (hours is None) != (rate is None):
        errors.append(("hours", "hours and hourly_rate (or annual_gross_cost) go together"))
    elif hours is not None and rate is not None:
        computed = round_cents(hours * rate)
        if v.get("amount") is None:
            v["amount"] = computed
        elif v["amount"] != computed:
            errors.append(("amount", f"{v['amount']} is not hours × hourly_rate = {computed}"))
    amount = v.get("amount")
    if amount is None:
        errors.append(("amount", "an amount (or hours × hourly_rate) is required"))
    elif kind == "expense" and amount < 0:
        errors.append(("amount", "a cost cannot be negative: book a credit as an entry of kind 'correction'"))
    elif kind in ("expense", "income") and amount == 0:
        errors.append(("amount", "the amount must be more than zero"))
    elif kind == "correction" and amount == 0:
        errors.append(("amount", "a correction of zero changes nothing"))
    if not errors:
        base = category is not None and category.flat_rate_base and kind != "income"
        v["flat_amount"] = flat_amount(amount, ctx.rate) if base else Decimal("0.00")  # type: ignore[arg-type]
    return errors


def lock_for(ctx: LedgerContext, implementer: str, day: dt.date) -> PeriodLock | None:
    for lock in ctx.locks:
        if lock.period_start <= day <= lock.period_end and lock.implementer in (None, implementer):
            return lock
    return None


def lock_reason(lock: PeriodLock) -> str:
    return (
        f"the period {lock.period_start} – {lock.period_end} is locked (lock {lock.id} by {lock.locked_by}: "
        f"{lock.reason})"
    )


def check_lock(ctx: LedgerContext, implementer: str, day: dt.date) -> None:
    lock = lock_for(ctx, implementer, day)
    if lock is not None:
        raise Conflict(
            f"Entries dated {day} cannot be written: {lock_reason(lock)}.",
            slug="period-locked",
            lock_id=lock.id,
        )


def raise_invalid(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise UnprocessableContent(
            "; ".join(f"{f}: {r}" for f, r in errors),
            slug="invalid-cost-entry",
            errors=[InvalidParam(name=f"body.{f}", reason=r) for f, r in errors],
        )
