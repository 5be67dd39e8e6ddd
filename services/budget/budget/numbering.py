"""Numbers of claims and budget versions, allocated atomically per project and kind.

One upsert (``INSERT ... ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last``) gives the
next number: two requests never get the same one (no ``max + 1`` race), and a number is never
given again, also after a draft claim is deleted.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.models import NumberSequence

SEQUENCE = NumberSequence.__table__  # type: ignore[attr-defined]


async def next_number(session: AsyncSession, project_id: int, kind: Literal["claim", "version"]) -> int:
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SEQUENCE).values(project_id=project_id, kind=kind, last=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=["project_id", "kind"], set_={"last": SEQUENCE.c.last + 1}
    )
    return int((await conn.execute(upsert.returning(SEQUENCE.c.last))).scalar_one())
