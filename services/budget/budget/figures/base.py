"""What every figure is computed from: the budget version in force on the date, and the actual costs
up to it, within the caller's scope.

Actual amounts come from the ledger summary (implementer × category × month), never from a scan of
the ledger. With ``as_of`` inside a month, the whole months before it come from the summary and only
that month's entries up to ``as_of`` from the ledger (an indexed date range). Eligible cost =
costs + computed flat rate − income. ``planned`` is the version in force on ``as_of`` (today's when
no date is given), with the funding plan of that version. A finance caller's figures cover its own
implementer only; the body says so in ``scope``. Rounding: see :mod:`budget.funding.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import implementer_scope
from budget.categories import FLAT_RATE, INCOME
from budget.funding.plan import Plan, Source, project_plan
from budget.funding.rules import flat_amount
from budget.ledger import summaries
from budget.models import BudgetInForce, BudgetVersion, Project
from budget.projects import repository as projects
from budget.schemas import FLAT_RATES, BudgetInUse, FigureScope
from budget.versions import repository as versions
from hanke_libs.auth import Principal

ZERO = Decimal("0.00")
Key = tuple[str, int, str]  # implementer, year, category


@dataclass
class Base:
    project: Project
    version: BudgetVersion | None
    in_force: BudgetInForce | None
    decision: str | None
    plan: Plan
    planned: dict[Key, Decimal]
    actual: dict[Key, Decimal]
    as_of: dt.date
    scope: str | None

    @property
    def sources(self) -> list[Source]:
        return self.plan.sources

    def budget(self) -> BudgetInUse:
        return BudgetInUse(
            number=self.version.number if self.version else None,
            kind=self.version.kind if self.version else None,
            effective_from=self.in_force.effective_from.isoformat() if self.in_force else None,
            decision=self.decision,
        )

    def scope_body(self) -> FigureScope:
        return FigureScope(implementer=self.scope)


async def actual_cells(
    *, session: AsyncSession, project: Project, as_of: dt.date | None, implementer: str | None
) -> dict[Key, Decimal]:
    """Effect on eligible cost per implementer × year × category (flat rate and income as categories)."""
    t = summaries.SUMMARY
    stmt = select(t.c.implementer, t.c.category_code, t.c.month, t.c.amount, t.c.flat_amount).where(
        t.c.project_id == project.id
    )
    if implementer is not None:
        stmt = stmt.where(t.c.implementer == implementer)
    if as_of is not None:
        stmt = stmt.where(t.c.month < summaries.month_of(as_of))
    conn = await session.connection()
    rows: list[tuple[str, str, int, Decimal, Decimal]] = [
        (r[0], r[1], r[2] // 100, r[3], r[4]) for r in await conn.execute(stmt)
    ]
    if as_of is not None:
        led = summaries.LEDGER
        partial = (
            select(
                led.c.implementer, led.c.category_code, func.sum(led.c.amount), func.sum(led.c.flat_amount)
            )
            .where(
                led.c.project_id == project.id,
                led.c.entry_date >= as_of.replace(day=1),
                led.c.entry_date <= as_of,
            )
            .group_by(led.c.implementer, led.c.category_code)
        )
        if implementer is not None:
            partial = partial.where(led.c.implementer == implementer)
        rows += [(r[0], r[1], as_of.year, r[2], r[3]) for r in await conn.execute(partial)]
    cells: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for impl, cat, year, amount, flat in rows:
        if cat == INCOME:
            cells[(impl, year, INCOME)] -= amount
        else:
            cells[(impl, year, cat)] += amount
            if flat:
                cells[(impl, year, FLAT_RATE)] += flat
    return {k: v for k, v in cells.items() if v or k[2] != INCOME}


async def base(*, session: AsyncSession, principal: Principal, code: str, as_of: dt.date | None) -> Base:
    """The figures' base for ``principal`` (finance: its implementer) as of ``as_of``."""
    project = await projects.get(session=session, principal=principal, code=code)
    scope = implementer_scope(principal, aggregates=True)
    version, row = await versions.in_force_on(session=session, project=project, on=as_of)
    plan = Plan.from_json(version.plan) if version else await project_plan(session=session, project=project)
    decision = await versions.resting_on(session=session, version=version, row=row)
    planned: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    rate = FLAT_RATES.get(project.cost_model)
    if version is not None:
        for line in await versions.lines(session=session, version=version, implementer=scope):
            planned[(line.implementer, line.year, line.category_code)] += line.amount
            if line.category_code == "staff" and rate is not None:
                planned[(line.implementer, line.year, FLAT_RATE)] += flat_amount(line.amount, rate)
    return Base(
        project=project,
        version=version,
        in_force=row,
        decision=decision.reference if decision else None,
        plan=plan,
        planned=dict(planned),
        actual=await actual_cells(session=session, project=project, as_of=as_of, implementer=scope),
        as_of=as_of or dt.date.today(),
        scope=scope,
    )


def total(cells: dict[Key, Decimal], implementer: str | None = None, year: int | None = None) -> Decimal:
    return sum((v for (i, y, _c), v in cells.items() if implementer in (None, i) and year in (None, y)), ZERO)
