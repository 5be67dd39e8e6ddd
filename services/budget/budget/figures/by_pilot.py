"""Eligible cost booked to one pilot, as the caller may see it.

Admin, project manager, auditor and steering see every implementer's costs of the pilot; a pilot
owner sees them for the pilots it owns (asked from the pilots service as the caller); finance sees
its own implementer's costs only; anyone else is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import ALL_AGGREGATES, implementer_scope
from budget.categories import FLAT_RATE, INCOME
from budget.ledger import summaries
from budget.links import Links
from budget.pilots import PilotDirectory, require_owner
from budget.projects import repository as projects
from hanke_libs.auth import Principal, Role
from hanke_libs.problems import Forbidden


async def pilot_scope(
    *, principal: Principal, code: str, pilot_id: str, pilots: PilotDirectory
) -> str | None:
    """None: every implementer's costs of the pilot; an implementer id: only its own; 403 otherwise."""
    if principal.has(*ALL_AGGREGATES):
        return None
    if principal.has(Role.pilot_owner):
        try:
            await require_owner(pilots, code, pilot_id)
            return None
        except Forbidden:
            if not principal.has(Role.finance):
                raise
    if principal.has(Role.finance):
        return implementer_scope(principal)
    raise Forbidden(
        "Costs by pilot are for the project's staff, finance and the pilot's owner.", slug="forbidden"
    )


async def costs_by_pilot(
    *,
    session: AsyncSession,
    principal: Principal,
    code: str,
    pilot_id: str,
    pilots: PilotDirectory,
    links: Links,
) -> dict[str, Any]:
    scope = await pilot_scope(principal=principal, code=code, pilot_id=pilot_id, pilots=pilots)
    project = await projects.get(session=session, principal=principal, code=code)
    t = summaries.LEDGER
    stmt = (
        select(t.c.category_code, func.sum(t.c.amount), func.sum(t.c.flat_amount), func.count())
        .where(t.c.project_id == project.id, t.c.pilot_id == pilot_id)
        .group_by(t.c.category_code)
        .order_by(t.c.category_code)
    )
    if scope is not None:
        stmt = stmt.where(t.c.implementer == scope)
    conn = await session.connection()
    amounts: dict[str, Decimal] = {}
    entries = 0
    for cat, amount, flat, count in await conn.execute(stmt):
        amounts[cat] = -amount if cat == INCOME else amount
        if flat:
            amounts[FLAT_RATE] = amounts.get(FLAT_RATE, Decimal("0.00")) + flat
        entries += int(count)
    total = sum(amounts.values(), Decimal("0.00"))
    return {
        "pilot_id": pilot_id,
        "project": project.code,
        "scope": {"implementer": scope},
        "total": f"{total:.2f}",
        "by_category": [{"category": c, "amount": f"{a:.2f}"} for c, a in sorted(amounts.items())],
        "entries": entries,
        "ledger": links.ledger(project.code, pilot_id=pilot_id, implementer=scope),
        "how": "eligible cost of the entries with this pilot_id: costs + computed flat rate − income"
        + (
            ""
            if scope is None
            else f"; only the entries of {scope} (finance sees its own implementer's costs)"
        ),
    }
