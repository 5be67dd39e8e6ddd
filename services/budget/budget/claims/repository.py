"""The one place that reads payment claims and their entries, scoped to the caller.

The lead implementer's finance files a claim for the whole joint project and sees all of it; a
co-implementer's finance sees the claims that include its costs, and only its part (its entries,
its totals); admin, project manager and auditor see everything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, update
from sqlalchemy import select as select_core
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import implementer_scope
from budget.ledger import summaries
from budget.models import CostEntry, PaymentClaim, Project
from hanke_libs.auth import Principal, Role
from hanke_libs.problems import Forbidden, NotFound


def part_of(principal: Principal, project: Project) -> str | None:
    """Whose part of a claim the caller sees: None for the whole claim, else a co-implementer's id."""
    scope = implementer_scope(principal)
    return None if scope is None or scope == project.lead_implementer else scope


def require_writer(principal: Principal, project: Project) -> None:
    """Claims are prepared by the lead implementer's finance (or an admin) for the whole joint project."""
    if principal.has(Role.admin):
        return
    if principal.implementer != project.lead_implementer:
        raise Forbidden(
            "Payment claims are prepared by the lead implementer's finance "
            f"({project.lead_implementer}) for the whole joint project.",
            slug="not-lead-implementer",
        )


def readable(project: Project, part: str | None) -> Any:
    stmt = select(PaymentClaim).where(PaymentClaim.project_id == project.id)
    if part is not None:
        t = summaries.LEDGER
        has_part = exists().where(t.c.claim_id == PaymentClaim.id, t.c.implementer == part)
        stmt = stmt.where(has_part)
    return stmt


async def get(
    *, session: AsyncSession, project: Project, number: int, part: str | None = None
) -> PaymentClaim:
    stmt = (
        readable(project, part).where(PaymentClaim.number == number).execution_options(populate_existing=True)
    )
    claim = (await session.exec(stmt)).first()
    if claim is None:
        whose = f" that includes costs of {part}" if part else ""
        raise NotFound(
            f"Project {project.code} has no payment claim {number}{whose}.", slug="claim-not-found"
        )
    return claim


async def page(
    *, session: AsyncSession, project: Project, part: str | None, offset: int, limit: int
) -> list[PaymentClaim]:
    stmt = readable(project, part).order_by(col(PaymentClaim.number)).offset(offset).limit(limit)
    return list((await session.exec(stmt)).all())


async def overlapping(
    *, session: AsyncSession, project: Project, start: dt.date, end: dt.date
) -> PaymentClaim | None:
    """A claim (other than an advance) whose period overlaps ``start`` – ``end``."""
    stmt = select(PaymentClaim).where(
        PaymentClaim.project_id == project.id,
        PaymentClaim.kind != "advance",
        PaymentClaim.period_start <= end,
        PaymentClaim.period_end >= start,
    )
    return (await session.exec(stmt.order_by(col(PaymentClaim.number)))).first()


async def advances_requested(*, session: AsyncSession, project: Project) -> Decimal:
    stmt = select(func.coalesce(func.sum(PaymentClaim.requested_amount), 0)).where(
        PaymentClaim.project_id == project.id, PaymentClaim.kind == "advance"
    )
    earlier = (await session.exec(stmt)).one()
    return earlier if isinstance(earlier, Decimal) else Decimal(int(earlier or 0)) / 100


async def attach(*, session: AsyncSession, project: Project, claim: PaymentClaim) -> int:
    """Take every unclaimed entry of the claim's period into the (draft) claim; returns how many."""
    t = summaries.LEDGER
    stmt = (
        update(t)
        .where(
            t.c.project_id == project.id,
            t.c.claim_id.is_(None),
            t.c.entry_date >= claim.period_start,
            t.c.entry_date <= claim.period_end,
        )
        .values(claim_id=claim.id)
    )
    conn = await session.connection()
    return int((await conn.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def release(*, session: AsyncSession, claim: PaymentClaim) -> None:
    t = summaries.LEDGER
    conn = await session.connection()
    await conn.execute(update(t).where(t.c.claim_id == claim.id).values(claim_id=None))


async def entries_of(
    *, session: AsyncSession, claim: PaymentClaim, part: str | None = None
) -> list[CostEntry]:
    stmt = select(CostEntry).where(CostEntry.claim_id == claim.id)
    if part is not None:
        stmt = stmt.where(CostEntry.implementer == part)
    order = (col(CostEntry.implementer), col(CostEntry.entry_date), col(CostEntry.voucher_ref))
    return list((await session.exec(stmt.order_by(*order).execution_options(populate_existing=True))).all())


async def sums_by_implementer(
    *, session: AsyncSession, claim: PaymentClaim
) -> list[tuple[str, str, Decimal, Decimal, int]]:
    """(implementer, category, amount, flat amount, entries) of the claim's rows: one SQL aggregate."""
    t = summaries.LEDGER
    stmt = (
        select_core(
            t.c.implementer, t.c.category_code, func.sum(t.c.amount), func.sum(t.c.flat_amount), func.count()
        )
        .where(t.c.claim_id == claim.id)
        .group_by(t.c.implementer, t.c.category_code)
    )
    conn = await session.connection()
    return [(r[0], r[1], r[2], r[3], int(r[4])) for r in await conn.execute(stmt)]
