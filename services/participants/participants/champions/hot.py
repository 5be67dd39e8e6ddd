"""The hot read of one champion (``GET /champions/{id}``): one statement on the read pool, no ORM.

The champion, its person's name and unit and its pilot enrolments come back as one
:class:`~hanke_libs.fastread.FastQuery` (the champion joined to its person, outer-joined to its
enrolments: one row per enrolment, or one row with no enrolment). It reads; it takes no row lock.
The rule is that of :class:`~participants.champions.repository.Champions`: admin and
project_manager only (ADR 0011).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as select_core

from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.fastread import FastQuery
from hanke_libs.problems import Forbidden, NotFound
from participants.access import is_manager
from participants.models import Champion, ChampionPilot, Person

CHAMPION_COLUMNS = ("id", "person_id", "project_code", "role", "start_date", "end_date")


def _one() -> FastQuery:
    c, e, p = Champion.__table__, ChampionPilot.__table__, Person.__table__  # type: ignore[attr-defined]
    stmt = (
        select_core(
            *(c.c[name] for name in CHAMPION_COLUMNS),
            p.c.display_name,
            p.c.org_unit_id,
            e.c.pilot_id.label("e_pilot_id"),
            e.c.role.label("e_role"),
            e.c.start_date.label("e_start_date"),
            e.c.end_date.label("e_end_date"),
        )
        .select_from(c.join(p, p.c.id == c.c.person_id).outerjoin(e, e.c.champion_id == c.c.id))
        .where(c.c.id == bindparam("champion_id"))
        .order_by(e.c.id)
    )
    return FastQuery(stmt)


ONE = _one()


async def read_view(*, db: Database, principal: Principal, champion_id: str) -> dict[str, Any]:
    """One champion with its person's name and unit and its pilot enrolments (as ``Champions.views``)."""
    if not is_manager(principal):
        raise Forbidden("Only admin or project_manager may read champions.")
    rows = await ONE.all(db, champion_id=champion_id)
    if not rows:
        raise NotFound(f"No champion {champion_id}.")
    first = rows[0]
    return {
        **{name: first[name] for name in (*CHAMPION_COLUMNS, "display_name", "org_unit_id")},
        "pilots": [
            {k: r[f"e_{k}"] for k in ("pilot_id", "role", "start_date", "end_date")}
            for r in rows
            if r["e_pilot_id"] is not None
        ],
    }
