"""Freezing a report: its whole snapshot stored as an immutable, numbered version.

The number comes from one conditional ``UPDATE report SET last_number = last_number + 1 ...
RETURNING last_number``: the row lock (PostgreSQL) or the write lock (SQLite) makes concurrent
freezes take consecutive numbers, never the same one (and the unique constraint on (report,
number) would refuse a duplicate anyway). The upstream data is fetched before, so the lock is held
only for the few statements that store the version.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.problems import NotFound, PreconditionFailed
from reports.db import audit
from reports.drafting import snapshot as snap
from reports.drafting.service import sections
from reports.models import Report, ReportVersion
from reports.models.types import utcnow

REPORT = Report.__table__  # type: ignore[attr-defined]


async def allocate_number(
    session: AsyncSession, report_id: int, expected_version: frozenset[int] | None
) -> int:
    """The next version number; with ``expected_version`` (the If-Match versions) only while the report
    is at one of them (412 otherwise)."""
    stmt = update(REPORT).where(REPORT.c.id == report_id)
    if expected_version is not None:
        stmt = stmt.where(REPORT.c.version.in_(sorted(expected_version) or [-1]))
    stmt = stmt.values(last_number=REPORT.c.last_number + 1).returning(REPORT.c.last_number)
    conn = await session.connection()
    number = (await conn.execute(stmt)).scalar_one_or_none()
    if number is None:
        if expected_version is not None and await session.get(Report, report_id) is not None:
            raise PreconditionFailed(
                "The report changed since you read it; read it again before freezing.", slug="stale-version"
            )
        raise NotFound(f"Report {report_id} does not exist.")
    return int(number)


async def freeze(
    session: AsyncSession,
    *,
    report: Report,
    sources: dict[str, dict[str, Any]],
    actor: Principal,
    note: str | None,
    expected_version: frozenset[int] | None,
) -> ReportVersion:
    """Store the version; ``sources`` were fetched as of the report's day just before."""
    assert report.id is not None
    number = await allocate_number(session, report.id, expected_version)
    frozen_at = utcnow().replace(microsecond=0)
    narrative = snap.narrative(await sections(session, report.id))
    version_info = {
        "number": number,
        "frozen_at": frozen_at.isoformat(),
        "frozen_by": actor.actor,
        "note": note,
    }
    data = snap.make(
        header=snap.report_header(report),
        sources=sources,
        sections=narrative,
        drafted_at=frozen_at,
        version=version_info,
    )
    text = snap.canonical(data)
    row = ReportVersion(
        report_id=report.id,
        number=number,
        as_of=report.as_of,
        frozen_by=actor.actor,
        frozen_at=frozen_at,
        note=note,
        snapshot=text,
        snapshot_sha256=snap.sha256(text),
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="freeze",
        entity_type="report_version",
        entity_id=f"{report.id}:{number}",
        changes={
            "as_of": report.as_of.isoformat(),
            "sha256": row.snapshot_sha256,
            "missing": len(data["missing"]),
        },
    )
    return row


async def get(session: AsyncSession, report_id: int, number: int) -> ReportVersion:
    row = (
        await session.exec(
            select(ReportVersion).where(
                ReportVersion.report_id == report_id, col(ReportVersion.number) == number
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"Report {report_id} has no version {number}.")
    return row


def load(row: ReportVersion) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(row.snapshot)
    return data


def stamp(row: ReportVersion) -> dt.datetime:
    return row.frozen_at
