"""The person read log: every read of a person's data is recorded (who read whom, when;
Information Management Act 906/2019 § 17), and read back by the auditor and admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal, Role
from hanke_libs.paging import PageParams, cursor_after_id
from hanke_libs.problems import Forbidden
from participants.models import PersonReadLog


def read_log_entry(reader: Principal, purpose: str) -> dict[str, object]:
    """The columns of a read-log row other than ``person_id``: when, who (and in which roles), why.
    Both the session path (:func:`log_reads`) and the hot reads' insert (``people.hot``) use it."""
    return {
        "occurred_at": dt.datetime.now(dt.UTC),
        "reader": reader.actor[:200],
        "reader_roles": ",".join(sorted(reader.roles))[:200],
        "purpose": purpose[:120],
    }


async def log_reads(
    session: AsyncSession, *, reader: Principal, person_ids: Iterable[str], purpose: str
) -> None:
    """Record that ``reader`` read the data of ``person_ids`` (one row each, one statement)."""
    entry = read_log_entry(reader, purpose)
    rows = [{**entry, "person_id": pid} for pid in dict.fromkeys(person_ids)]
    if rows:
        conn = await session.connection()
        await conn.execute(insert(PersonReadLog.__table__), rows)  # type: ignore[attr-defined]


async def read_log_page(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    person_id: str | None = None,
    reader: str | None = None,
) -> list[PersonReadLog]:
    """A keyset page of the read log (auditor, admin): ``limit + 1`` rows after the cursor."""
    if not principal.has(Role.auditor, Role.admin):
        raise Forbidden("The read log is for the auditor and admin.")
    after_id = cursor_after_id(page)  # bounded to 64 bits: a cursor [10**30] is a 400, not a 500
    stmt = select(PersonReadLog).order_by(col(PersonReadLog.id)).limit(page.limit + 1)
    if after_id is not None:
        stmt = stmt.where(col(PersonReadLog.id) > after_id)
    if person_id:
        stmt = stmt.where(PersonReadLog.person_id == person_id)
    if reader:
        stmt = stmt.where(PersonReadLog.reader == reader)
    return list((await session.exec(stmt)).all())
