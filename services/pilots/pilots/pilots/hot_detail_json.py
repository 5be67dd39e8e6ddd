"""The hot read of one pilot on PostgreSQL: ONE statement on the read pool (ADR 0011).

:data:`PILOT_JSON` reads the pilot row (its columns typed as usual) with, as JSON beside it,
whether it ever ran, its sectors (``[code, name_fi, name_en]`` by code), its establishment ids, its
latest evaluation decision (``row_to_json``) and its indicators (``json_agg`` in the list's order),
each with its measurement counts (all, and from at least ``SMALL_SAMPLE_LIMIT`` respondents), its
latest measurement and its latest from at least that many respondents. The JSON is decoded once by
asyncpg; :func:`decoder` turns each child row's JSON values back into what its columns give
(aware UTC datetimes, dates, ``Decimal`` text), so the body, built by
:func:`pilots.pilots.hot_detail.body`, is the same as from the two-statement path (SQLite) and the
session path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Date, DateTime, Table, bindparam, func, literal_column, or_
from sqlalchemy import select as select_core
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from hanke_libs.fastread import FastQuery
from pilots.gates.lifecycle import FROZEN
from pilots.models import (
    EstablishmentPilot,
    GateDecision,
    Indicator,
    Measurement,
    Pilot,
    PilotSector,
    Sector,
    StageChange,
)
from pilots.scope import SMALL_SAMPLE_LIMIT
from pilots.types import DecisionGate

T: Any = SimpleNamespace(
    p=Pilot.__table__,  # type: ignore[attr-defined]
    ps=PilotSector.__table__,  # type: ignore[attr-defined]
    s=Sector.__table__,  # type: ignore[attr-defined]
    ep=EstablishmentPilot.__table__,  # type: ignore[attr-defined]
    gd=GateDecision.__table__,  # type: ignore[attr-defined]
    sc=StageChange.__table__,  # type: ignore[attr-defined]
    i=Indicator.__table__,  # type: ignore[attr-defined]
    m=Measurement.__table__,  # type: ignore[attr-defined]
)
PILOT_COLUMNS = [c.key for c in T.p.c]
_PG = asyncpg_dialect()


class IndicatorRows(NamedTuple):
    """An indicator's row, its measurement counts (all; from at least ``SMALL_SAMPLE_LIMIT``
    respondents) and its latest measurement of each (None: none)."""

    row: Any
    total: int
    large: int
    latest: Any | None
    latest_large: Any | None


Convert = Callable[[Any], Any]


def _parse(column_type: Any) -> Convert | None:
    """JSON text of a value back to what asyncpg gives for the column (before its type's processor)."""
    if isinstance(column_type, DateTime):
        return dt.datetime.fromisoformat
    if isinstance(column_type, Date):
        return dt.date.fromisoformat
    return None


def _converter(column: Any) -> Convert | None:
    impl = column.type.dialect_impl(_PG)
    parse = _parse(impl.impl if hasattr(impl, "impl") else impl)
    process = impl.result_processor(_PG, None)
    if parse is None:
        return process
    if process is None:
        return parse
    return lambda value: process(parse(value))


def decoder(table: Table) -> Callable[[dict[str, Any]], SimpleNamespace]:
    """A row of ``table`` from its ``row_to_json``: each column as the column's type reads it."""
    plain = [c.key for c in table.c if _converter(c) is None]
    converted = [(c.key, conv) for c in table.c if (conv := _converter(c)) is not None]

    def decode(obj: dict[str, Any]) -> SimpleNamespace:
        values = {name: obj[name] for name in plain}
        for name, conv in converted:
            value = obj[name]
            values[name] = None if value is None else conv(value)
        return SimpleNamespace(**values)

    return decode


def _key(name: str) -> Any:
    # Keys inlined, not bound: json_build_object takes "any", so a bound key has no type.
    return literal_column(f"'{name}'")


def _newest_measurement(i: Any, m: Any, *where: Any) -> Any:
    return (
        select_core(func.row_to_json(m.table_valued()))
        .where(m.c.indicator_id == i.c.id, m.c.pilot_id == bindparam("pilot_id"), *where)
        .order_by(m.c.measured_on.desc(), m.c.created_at.desc(), m.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _count(i: Any, m: Any, *where: Any) -> Any:
    return (
        select_core(func.count())
        .select_from(m)
        .where(m.c.indicator_id == i.c.id, m.c.pilot_id == bindparam("pilot_id"), *where)
        .scalar_subquery()
    )


def _pilot_json() -> FastQuery:
    p, i, m, gd, sc, s, ps, ep = T.p, T.i, T.m, T.gd, T.sc, T.s, T.ps, T.ep
    large = m.c.respondents >= SMALL_SAMPLE_LIMIT
    has_run = (
        select_core(sc.c.id)
        .where(sc.c.pilot_id == p.c.id, or_(*(sc.c.to_stage == str(x) for x in sorted(FROZEN))))
        .exists()
    )
    sectors = (
        select_core(
            func.json_agg(
                aggregate_order_by(func.json_build_array(s.c.code, s.c.name_fi, s.c.name_en), s.c.code)
            )
        )
        .select_from(ps.join(s, s.c.code == ps.c.sector_code))
        .where(ps.c.pilot_id == p.c.id)
        .scalar_subquery()
    )
    establishments = (
        select_core(func.json_agg(aggregate_order_by(ep.c.establishment_id, ep.c.establishment_id)))
        .where(ep.c.pilot_id == p.c.id)
        .scalar_subquery()
    )
    decision = (
        select_core(func.row_to_json(gd.table_valued()))
        .where(gd.c.pilot_id == p.c.id, gd.c.gate == str(DecisionGate.evaluation))
        .order_by(gd.c.decided_on.desc(), gd.c.recorded_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    indicator = func.json_build_object(
        _key("row"),
        func.row_to_json(i.table_valued()),
        _key("n_all"),
        _count(i, m),
        _key("n_large"),
        _count(i, m, large),
        _key("latest"),
        _newest_measurement(i, m),
        _key("latest_large"),
        _newest_measurement(i, m, large),
    )
    indicators = (
        select_core(func.json_agg(aggregate_order_by(indicator, i.c.created_at, i.c.id)))
        .where(i.c.pilot_id == p.c.id)
        .scalar_subquery()
    )
    stmt = select_core(
        *p.c,
        has_run.label("has_run"),
        sectors.label("j_sectors"),
        establishments.label("j_establishments"),
        decision.label("j_decision"),
        indicators.label("j_indicators"),
    ).where(p.c.id == bindparam("pilot_id"))
    return FastQuery(stmt)


PILOT_JSON = _pilot_json()
_DECISION = decoder(T.gd)
_INDICATOR = decoder(T.i)
_MEASUREMENT = decoder(T.m)


def unpack(row: dict[str, Any]) -> dict[str, Any]:
    """The statement's row as the arguments of :func:`pilots.pilots.hot_detail.body`."""
    indicators: list[IndicatorRows] = [
        IndicatorRows(
            _INDICATOR(item["row"]),
            int(item["n_all"]),
            int(item["n_large"]),
            _MEASUREMENT(item["latest"]) if item["latest"] is not None else None,
            _MEASUREMENT(item["latest_large"]) if item["latest_large"] is not None else None,
        )
        for item in row["j_indicators"] or ()
    ]
    return {
        "pilot": SimpleNamespace(**{n: row[n] for n in PILOT_COLUMNS}),
        "sectors": [tuple(x) for x in row["j_sectors"] or ()],
        "establishment_ids": list(row["j_establishments"] or ()),
        "has_run": bool(row["has_run"]),
        "decision": _DECISION(row["j_decision"]) if row["j_decision"] is not None else None,
        "indicators": indicators,
    }
