"""The person read log: every read of a person's data is recorded (who read whom, when)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from participants.models import PersonReadLog


async def log_reads(
    session: AsyncSession, *, reader: Principal, person_ids: Iterable[str], purpose: str
) -> None:
    """Record that ``reader`` read the data of ``person_ids`` (one row each, one statement)."""
    now = dt.datetime.now(dt.UTC)
    roles = ",".join(sorted(reader.roles))[:200]
    rows = [
        {
            "occurred_at": now,
            "reader": reader.actor[:200],
            "reader_roles": roles,
            "person_id": pid,
            "purpose": purpose[:120],
        }
        for pid in dict.fromkeys(person_ids)
    ]
    if rows:
        conn = await session.connection()
        await conn.execute(insert(PersonReadLog.__table__), rows)  # type: ignore[attr-defined]
