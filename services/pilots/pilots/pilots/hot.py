"""The hot read of a project's pilot list (``GET /projects/{code}/pilots``, first pages): ONE
statement on the read pool, no ORM (ADR 0011).

A :data:`PAGES` statement reads the project (no row: no such project) with how many of its pilots
match, outer-joined to the page's pilots and those to their sector codes (one row per pilot and
sector; one row with no pilot for an empty page), in the list's order. It is a
:class:`~hanke_libs.fastread.FastQuery` on both backends (portable SQL, no JSON). Only for callers who read every
pilot (``Scope.reads_all``): a champion's readable set is its own enrolments, so its list keeps the
session path of :mod:`pilots.pilots.repository`, with the same rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, true
from sqlalchemy import select as select_core

from hanke_libs.db import Database
from hanke_libs.fastread import FastQuery
from pilots.models import Pilot, PilotSector, Project
from pilots.pilots.repository import project_not_found
from pilots.scope import Scope
from pilots.types import Stage

SUMMARY_COLUMNS = "id project_code title stage owner_id success_rating start_date end_date version".split()
_P: Any = Pilot.__table__  # type: ignore[attr-defined]


def _filters(stage: bool, owner: bool) -> list[Any]:
    where = [_P.c.project_code == bindparam("code")]
    if stage:
        where.append(_P.c.stage == bindparam("stage"))
    if owner:
        where.append(_P.c.owner_id == bindparam("owner_id"))
    return where


def _page(stage: bool, owner: bool) -> FastQuery:
    project: Any = Project.__table__  # type: ignore[attr-defined]
    ps: Any = PilotSector.__table__  # type: ignore[attr-defined]
    total = select_core(func.count()).select_from(_P).where(*_filters(stage, owner)).scalar_subquery()
    page = (
        select_core(*(_P.c[n] for n in SUMMARY_COLUMNS), _P.c.created_at)
        .where(*_filters(stage, owner))
        .order_by(_P.c.created_at, _P.c.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    stmt = (
        select_core(
            total.label("total"), *(page.c[n] for n in SUMMARY_COLUMNS), ps.c.sector_code.label("sector_code")
        )
        .select_from(project.outerjoin(page, true()).outerjoin(ps, ps.c.pilot_id == page.c.id))
        .where(project.c.code == bindparam("code"))
        .order_by(page.c.created_at, page.c.id, ps.c.sector_code)
    )
    return FastQuery(stmt)


# One statement per combination of the optional filters, compiled once each.
PAGES = {(s, o): _page(s, o) for s in (False, True) for o in (False, True)}


async def page(
    scope: Scope,
    db: Database,
    code: str,
    *,
    stage: Stage | None,
    owner_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[dict[str, Any], list[str]]], int]:
    """The page's pilots (their summary columns and sector codes) and how many match; the caller
    reads every pilot (``scope.reads_all``)."""
    assert scope.reads_all
    key = (stage is not None, owner_id is not None)
    params: dict[str, Any] = {"code": code}
    if stage is not None:
        params["stage"] = str(stage)
    if owner_id is not None:
        params["owner_id"] = owner_id
    rows = await PAGES[key].all(db, **params, offset=offset, limit=limit)
    if not rows:
        raise project_not_found(code)
    pilots: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for row in rows:
        if row["id"] is None:  # the project's row on an empty page
            continue
        values, sectors = pilots.setdefault(row["id"], ({n: row[n] for n in SUMMARY_COLUMNS}, []))
        if row["sector_code"] is not None:
            sectors.append(row["sector_code"])
    return list(pilots.values()), int(rows[0]["total"])
