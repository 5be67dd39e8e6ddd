"""The one place that reads budget versions, their lines, decisions and the baseline history.

Lines are scoped to the caller: finance reads its own implementer's lines only.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.models import BudgetDecision, BudgetInForce, BudgetLine, BudgetVersion, Project
from hanke_libs.problems import NotFound


async def by_number(*, session: AsyncSession, project: Project, number: int) -> BudgetVersion:
    stmt = select(BudgetVersion).where(BudgetVersion.project_id == project.id, BudgetVersion.number == number)
    version = (await session.exec(stmt)).first()
    if version is None:
        raise NotFound(f"Project {project.code} has no budget version {number}.", slug="version-not-found")
    return version


async def by_id(*, session: AsyncSession, version_id: int) -> BudgetVersion | None:
    return await session.get(BudgetVersion, version_id)


async def page(*, session: AsyncSession, project: Project, offset: int, limit: int) -> list[BudgetVersion]:
    stmt = (
        select(BudgetVersion)
        .where(BudgetVersion.project_id == project.id)
        .order_by(col(BudgetVersion.number))
        .offset(offset)
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def lines(
    *, session: AsyncSession, version: BudgetVersion, implementer: str | None = None
) -> list[BudgetLine]:
    """The version's lines (only ``implementer``'s when given: a finance caller's scope)."""
    stmt = select(BudgetLine).where(BudgetLine.version_id == version.id)
    if implementer is not None:
        stmt = stmt.where(BudgetLine.implementer == implementer)
    order = (col(BudgetLine.implementer), col(BudgetLine.year), col(BudgetLine.category_code))
    return list((await session.exec(stmt.order_by(*order))).all())


async def current(*, session: AsyncSession, project: Project) -> BudgetVersion | None:
    if project.current_version_id is None:
        return None
    return await session.get(BudgetVersion, project.current_version_id)


async def history(*, session: AsyncSession, project: Project) -> list[BudgetInForce]:
    """Every change of the version in force, oldest first."""
    stmt = (
        select(BudgetInForce)
        .where(BudgetInForce.project_id == project.id)
        .order_by(col(BudgetInForce.effective_from), col(BudgetInForce.id))
    )
    return list((await session.exec(stmt)).all())


def in_force_row(rows: list[BudgetInForce], on: dt.date | None) -> BudgetInForce | None:
    """The history row in force on ``on`` (the latest one when None; the first one before it began)."""
    if not rows:
        return None
    if on is None:
        return rows[-1]
    chosen = rows[0]
    for row in rows:
        if row.effective_from <= on:
            chosen = row
    return chosen


async def in_force_on(
    *, session: AsyncSession, project: Project, on: dt.date | None
) -> tuple[BudgetVersion | None, BudgetInForce | None]:
    """The version in force on ``on`` (today's when None) and its history row."""
    if on is None:
        version = await current(session=session, project=project)
        if version is None:
            return None, None
        rows = await history(session=session, project=project)
        row = next((r for r in reversed(rows) if r.version_id == version.id), None)
        return version, row
    row = in_force_row(await history(session=session, project=project), on)
    if row is None:
        return await current(session=session, project=project), None
    return await session.get(BudgetVersion, row.version_id), row


async def decisions(*, session: AsyncSession, version: BudgetVersion) -> list[BudgetDecision]:
    stmt = (
        select(BudgetDecision)
        .where(BudgetDecision.version_id == version.id)
        .order_by(col(BudgetDecision.decided_on), col(BudgetDecision.id))
    )
    return list((await session.exec(stmt)).all())


async def decision(*, session: AsyncSession, version: BudgetVersion, decision_id: int) -> BudgetDecision:
    found = await session.get(BudgetDecision, decision_id)
    if found is None or found.version_id != version.id:
        raise NotFound(
            f"Budget version {version.number} has no decision {decision_id}.", slug="decision-not-found"
        )
    return found


async def decision_by_id(*, session: AsyncSession, decision_id: int | None) -> BudgetDecision | None:
    return None if decision_id is None else await session.get(BudgetDecision, decision_id)


async def resting_on(
    *, session: AsyncSession, version: BudgetVersion | None, row: BudgetInForce | None
) -> BudgetDecision | None:
    """The decision a version in force rests on: the one it entered force by, else its latest approval."""
    if version is None:
        return None
    if row is not None and row.decision_id is not None:
        return await session.get(BudgetDecision, row.decision_id)
    approved = [d for d in await decisions(session=session, version=version) if d.outcome == "approved"]
    return approved[-1] if approved else None
