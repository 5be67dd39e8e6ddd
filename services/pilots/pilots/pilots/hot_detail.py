"""The hot read of one pilot (``GET /pilots/{id}`` without ``as_of``), no ORM (ADR 0011).

On PostgreSQL with the read pool it is ONE statement (:mod:`pilots.pilots.hot_detail_json`: the
children as JSON). Elsewhere (SQLite) two statements run through the engine: :data:`PILOT` reads
the pilot row with whether it ever ran, its latest evaluation decision (outer joined, its columns
prefixed ``d_``), outer-joined to its sectors and establishments (one row per sector x
establishment, both few); :data:`INDICATORS` reads its indicators, each outer-joined to its latest
measurement and its latest measurement from at least ``SMALL_SAMPLE_LIMIT`` respondents (window
functions; 0-2 rows per indicator, with the counts of both). Both give the arguments of
:func:`body`. The caller's rules are those of :func:`pilots.pilots.repository.get` and the
small-sample rule of :mod:`pilots.indicators.reads`; the body is built by the same functions as
the session path (:func:`pilots.pilots.bodies.public_of`,
:func:`pilots.indicators.reads.indicator_of`).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_
from sqlalchemy import select as select_core

from hanke_libs.db import Database
from hanke_libs.fastread import FastQuery
from pilots.gates import decisions
from pilots.gates.facts import frozen_given
from pilots.gates.lifecycle import FROZEN
from pilots.indicators.reads import indicator_of, sees_every_measurement
from pilots.indicators.schemas import IndicatorPublic
from pilots.pilots import bodies, repository
from pilots.pilots.hot_detail_json import PILOT_COLUMNS, PILOT_JSON, IndicatorRows, T, unpack
from pilots.pilots.schemas import PilotPublic, SectorRef
from pilots.scope import SMALL_SAMPLE_LIMIT, Scope, with_read_session
from pilots.types import DecisionGate, Stage

DECISION_COLUMNS = [c.key for c in T.gd.c]
INDICATOR_COLUMNS = [c.key for c in T.i.c]
MEASUREMENT_COLUMNS = [c.key for c in T.m.c]


def _pilot() -> FastQuery:
    p, gd, sc = T.p, T.gd, T.sc
    latest = (
        select_core(gd)
        .where(gd.c.pilot_id == bindparam("pilot_id"), gd.c.gate == str(DecisionGate.evaluation))
        .order_by(gd.c.decided_on.desc(), gd.c.recorded_at.desc())
        .limit(1)
        .subquery("d")
    )
    ran = (
        select_core(sc.c.id)
        .where(sc.c.pilot_id == p.c.id, or_(*(sc.c.to_stage == str(s) for s in sorted(FROZEN))))
        .exists()
    )
    sectors = T.ps.join(T.s, T.s.c.code == T.ps.c.sector_code)
    stmt = (
        select_core(
            *p.c,
            ran.label("has_run"),
            T.s.c.code.label("s_code"),
            T.s.c.name_fi.label("s_name_fi"),
            T.s.c.name_en.label("s_name_en"),
            T.ep.c.establishment_id.label("e_id"),
            *(latest.c[n].label(f"d_{n}") for n in DECISION_COLUMNS),
        )
        .select_from(
            p.outerjoin(sectors, T.ps.c.pilot_id == p.c.id)
            .outerjoin(T.ep, T.ep.c.pilot_id == p.c.id)
            .outerjoin(latest, latest.c.pilot_id == p.c.id)
        )
        .where(p.c.id == bindparam("pilot_id"))
        .order_by(T.s.c.code, T.ep.c.establishment_id)
    )
    return FastQuery(stmt)


def _indicators() -> FastQuery:
    i, m = T.i, T.m
    large = m.c.respondents >= SMALL_SAMPLE_LIMIT
    newest = (m.c.measured_on.desc(), m.c.created_at.desc(), m.c.id.desc())
    ranked = (
        select_core(
            *m.c,
            func.row_number().over(partition_by=m.c.indicator_id, order_by=newest).label("rn_all"),
            func.row_number()
            .over(partition_by=(m.c.indicator_id, case((large, 1), else_=0)), order_by=newest)
            .label("rn_large"),
            func.count().over(partition_by=m.c.indicator_id).label("n_all"),
            func.count(case((large, 1))).over(partition_by=m.c.indicator_id).label("n_large"),
        )
        .where(m.c.pilot_id == bindparam("pilot_id"))
        .subquery("m")
    )
    keep = or_(ranked.c.rn_all == 1, and_(ranked.c.rn_large == 1, ranked.c.respondents >= SMALL_SAMPLE_LIMIT))
    names = (*MEASUREMENT_COLUMNS, "rn_all", "rn_large", "n_all", "n_large")
    stmt = (
        select_core(*i.c, *(ranked.c[n].label(f"m_{n}") for n in names))
        .select_from(i.outerjoin(ranked, and_(ranked.c.indicator_id == i.c.id, keep)))
        .where(i.c.pilot_id == bindparam("pilot_id"))
        .order_by(i.c.created_at, i.c.id, ranked.c.rn_all)
    )
    return FastQuery(stmt)


PILOT = _pilot()
INDICATORS = _indicators()


def _prefixed(row: dict[str, Any], prefix: str, names: list[str]) -> SimpleNamespace:
    return SimpleNamespace(**{n: row[prefix + n] for n in names})


def _indicator_rows(rows: list[dict[str, Any]]) -> list[IndicatorRows]:
    """:data:`INDICATORS`' rows (0-2 per indicator) as one :class:`IndicatorRows` per indicator."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["id"], []).append(row)
    out = []
    for group in grouped.values():
        measured = [r for r in group if r["m_id"] is not None]
        latest = [r for r in measured if r["m_rn_all"] == 1]
        large = [
            r for r in measured if r["m_rn_large"] == 1 and (r["m_respondents"] or 0) >= SMALL_SAMPLE_LIMIT
        ]
        out.append(
            IndicatorRows(
                SimpleNamespace(**{n: group[0][n] for n in INDICATOR_COLUMNS}),
                int(measured[0]["m_n_all"]) if measured else 0,
                int(measured[0]["m_n_large"]) if measured else 0,
                _prefixed(latest[0], "m_", MEASUREMENT_COLUMNS) if latest else None,
                _prefixed(large[0], "m_", MEASUREMENT_COLUMNS) if large else None,
            )
        )
    return out


async def _two_statements(db: Database, pilot_id: str) -> dict[str, Any] | None:
    """The arguments of :func:`body` from :data:`PILOT` and :data:`INDICATORS` (None: no pilot)."""
    rows = await PILOT.all(db, pilot_id=pilot_id)
    if not rows:
        return None
    first = rows[0]
    sectors: dict[str, tuple[str, str, str]] = {}
    establishments: dict[str, None] = {}
    for row in rows:
        if row["s_code"] is not None and row["s_code"] not in sectors:
            sectors[row["s_code"]] = (row["s_code"], row["s_name_fi"], row["s_name_en"])
        if row["e_id"] is not None:
            establishments.setdefault(row["e_id"], None)
    return {
        "pilot": SimpleNamespace(**{n: first[n] for n in PILOT_COLUMNS}),
        "sectors": list(sectors.values()),
        "establishment_ids": list(establishments),
        "has_run": bool(first["has_run"]),
        "decision": _prefixed(first, "d_", DECISION_COLUMNS) if first["d_id"] is not None else None,
        # Read only for a pilot the caller may read: run after the 403 check (see detail).
        "indicators": None,
    }


def _indicators_of(scope: Scope, pilot: Any, rows: list[IndicatorRows]) -> list[IndicatorPublic]:
    """Each indicator with its counts and the latest measurement the caller may see."""
    small_ok = scope.sees_small_samples(pilot)
    out = []
    for ind, total, large, latest_all, latest_large in rows:
        if sees_every_measurement(ind, small_ok):
            shown, latest = total, latest_all
        else:
            shown, latest = large, latest_large
        out.append(indicator_of(scope, ind, total=total, shown=shown, latest=latest if shown else None))
    return out


def body(
    scope: Scope,
    *,
    pilot: Any,
    sectors: list[tuple[str, str, str]],
    establishment_ids: list[str],
    has_run: bool,
    decision: Any | None,
    indicators: list[IndicatorRows],
) -> PilotPublic:
    """The body of ``GET /pilots/{id}`` from what either statement path read."""
    stage = Stage(pilot.stage)
    return bodies.public_of(
        scope,
        pilot,
        stage=stage,
        sectors=[SectorRef(code=code, name_fi=fi, name_en=en) for code, fi, en in sectors],
        establishment_ids=establishment_ids,
        frozen=frozen_given(stage, has_run),
        indicators=_indicators_of(scope, pilot, indicators),
        latest=decisions.to_public(scope, decision) if decision is not None else None,
        as_of=None,
    )


async def detail(scope: Scope, db: Database, pilot_id: str) -> PilotPublic:
    """The pilot as :func:`pilots.pilots.bodies.to_public` gives it today (404 unknown, 403 not
    readable, in that order after the role check)."""
    scope.require_read_role()
    if getattr(db, "fast_pool", None) is not None:  # PostgreSQL: one statement
        row = await PILOT_JSON.first(db, pilot_id=pilot_id)
        read = unpack(row) if row is not None else None
    else:
        read = await _two_statements(db, pilot_id)
    if read is None:
        raise repository.pilot_not_found(pilot_id)
    if not scope.may_read(read["pilot"]):
        raise repository.not_readable(pilot_id)
    if read["indicators"] is None:
        read["indicators"] = _indicator_rows(await INDICATORS.all(db, pilot_id=pilot_id))
    return body(scope, **read)


async def read(scope: Scope, pilot_id: str, as_of: dt.date | None) -> PilotPublic:
    """``GET /pilots/{id}``: the hot read, or the session path for a day in the past (``as_of``) or
    without a read database."""
    if as_of is None and scope.db is not None:
        return await detail(scope, scope.db, pilot_id)
    async with with_read_session(scope) as scope:
        return await bodies.to_public(scope, await repository.get(scope, pilot_id), as_of)
