"""Indicators and measurements as callers may see them: the small-sample rule, values, progress and
traffic lights, the public forms of an indicator and a measurement (the writes are in
:mod:`pilots.indicators.service`).

Every function takes the caller's :class:`~pilots.scope.Scope` and reaches a pilot's rows only
through a :class:`~pilots.pilots.repository.ScopedPilot`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import case, or_, true
from sqlmodel import col, func, select

from hanke_libs.links import public_url
from hanke_libs.problems import NotFound
from pilots.indicators.lights import light
from pilots.indicators.numbers import progress_percent
from pilots.indicators.schemas import (
    IndicatorPublic,
    MeasurementPublic,
)
from pilots.models import Indicator, Measurement
from pilots.pilots.repository import ScopedPilot
from pilots.scope import SMALL_SAMPLE_LIMIT, Scope
from pilots.types import Direction


def visible(ind: Indicator, m: Measurement, small_ok: bool) -> bool:
    return small_ok or not ind.survey_based or (m.respondents or 0) >= SMALL_SAMPLE_LIMIT


def visible_clause(small_ok: bool) -> Any:
    """SQL condition of the small-sample rule (needs Indicator joined)."""
    if small_ok:
        return true()
    return or_(col(Indicator.survey_based).is_(False), col(Measurement.respondents) >= SMALL_SAMPLE_LIMIT)


def value_out(ind: Indicator, raw: str | None) -> Decimal | str | None:
    if raw is None:
        return None
    return Decimal(raw) if ind.numeric else raw


def measurement_public(scope: Scope, ind: Indicator, m: Measurement) -> MeasurementPublic:
    value = value_out(ind, m.value)
    assert value is not None
    return MeasurementPublic(
        id=m.id,
        indicator_id=m.indicator_id,
        measured_on=m.measured_on,
        value=value,
        source=m.source,
        respondents=m.respondents,
        narrative=m.narrative,
        external_id=m.external_id,
        href=public_url(scope.settings, f"/pilots/{m.pilot_id}/measurements/{m.id}"),
    )


async def get_measurement(scope: Scope, pilot: ScopedPilot, measurement_id: str) -> MeasurementPublic:
    row = (
        await scope.session.exec(
            select(Measurement, Indicator)
            .join(Indicator, col(Indicator.id) == col(Measurement.indicator_id))
            .where(
                Measurement.id == measurement_id,
                Measurement.pilot_id == pilot.id,
                visible_clause(pilot.sees_small_samples),
            )
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Pilot {pilot.id} has no measurement {measurement_id!r} you may see.",
            slug="measurement-not-found",
        )
    m, ind = row
    return measurement_public(scope, ind, m)


async def list_measurements(
    scope: Scope, pilot: ScopedPilot, *, indicator_id: str | None, offset: int, limit: int
) -> tuple[list[MeasurementPublic], int]:
    where = [Measurement.pilot_id == pilot.id, visible_clause(pilot.sees_small_samples)]
    if indicator_id is not None:
        where.append(Measurement.indicator_id == indicator_id)
    joined = select(Measurement, Indicator).join(
        Indicator, col(Indicator.id) == col(Measurement.indicator_id)
    )
    total = (
        await scope.session.exec(
            select(func.count())
            .select_from(Measurement)
            .join(Indicator, col(Indicator.id) == col(Measurement.indicator_id))
            .where(*where)
        )
    ).one()
    rows = (
        await scope.session.exec(
            joined.where(*where)
            .order_by(col(Measurement.measured_on), col(Measurement.created_at), col(Measurement.id))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return [measurement_public(scope, ind, m) for m, ind in rows], int(total)


async def pilot_indicators(scope: Scope, pilot: ScopedPilot) -> list[Indicator]:
    stmt = (
        select(Indicator)
        .where(Indicator.pilot_id == pilot.id)
        .order_by(col(Indicator.created_at), col(Indicator.id))
    )
    return list((await scope.session.exec(stmt)).all())


async def pilot_measurements(scope: Scope, pilot: ScopedPilot) -> list[Measurement]:
    stmt = (
        select(Measurement)
        .where(Measurement.pilot_id == pilot.id)
        .order_by(col(Measurement.measured_on), col(Measurement.created_at), col(Measurement.id))
    )
    return list((await scope.session.exec(stmt)).all())


async def indicators_public(
    scope: Scope, pilot: ScopedPilot, as_of: dt.date | None = None
) -> list[IndicatorPublic]:
    """The pilot's indicators with their latest visible value (up to ``as_of``), progress and light."""
    inds = await pilot_indicators(scope, pilot)
    small_ok = pilot.sees_small_samples
    up_to = [Measurement.measured_on <= as_of] if as_of is not None else []
    counts: dict[str, tuple[int, int]] = {}
    for ind_id, total, large in await scope.session.exec(
        select(
            Measurement.indicator_id,
            func.count(),
            func.count(case((col(Measurement.respondents) >= SMALL_SAMPLE_LIMIT, 1))),
        )
        .where(Measurement.pilot_id == pilot.id, *up_to)
        .group_by(col(Measurement.indicator_id))
    ):
        counts[ind_id] = (int(total), int(large))
    out = []
    for ind in inds:
        total, large = counts.get(ind.id, (0, 0))
        sees_all = sees_every_measurement(ind, small_ok)
        shown = total if sees_all else large
        stmt = select(Measurement).where(Measurement.indicator_id == ind.id, *up_to)
        if not sees_all:
            stmt = stmt.where(col(Measurement.respondents) >= SMALL_SAMPLE_LIMIT)
        latest = (
            (
                await scope.session.exec(
                    stmt.order_by(
                        col(Measurement.measured_on).desc(),
                        col(Measurement.created_at).desc(),
                        col(Measurement.id).desc(),
                    ).limit(1)
                )
            ).first()
            if shown
            else None
        )
        out.append(indicator_of(scope, ind, total=total, shown=shown, latest=latest))
    return out


def sees_every_measurement(ind: Any, small_ok: bool) -> bool:
    """The small-sample rule for one indicator: does the caller see all its measurements?"""
    return small_ok or not ind.survey_based


def indicator_of(scope: Scope, ind: Any, *, total: int, shown: int, latest: Any) -> IndicatorPublic:
    """An indicator in the body, from its row, its measurement counts (all, and those the caller
    sees) and the latest one the caller sees (ORM objects or the hot read's columns)."""
    progress = None
    if latest and ind.numeric and ind.baseline is not None and ind.target is not None:
        progress = progress_percent(Decimal(ind.baseline), Decimal(ind.target), Decimal(latest.value))
    return IndicatorPublic(
        id=ind.id,
        pilot_id=ind.pilot_id,
        kind=ind.kind_code,
        name=ind.name,
        unit=ind.unit,
        calculation=ind.calculation,
        numeric=ind.numeric,
        survey_based=ind.survey_based,
        direction=Direction(ind.direction),
        baseline=value_out(ind, ind.baseline),
        target=value_out(ind, ind.target),
        locked=total > 0,
        latest=measurement_public(scope, ind, latest) if latest else None,
        progress_percent=progress,
        traffic_light=light(progress),
        measurement_count=shown,
        hidden_measurements=total - shown,
        href=public_url(scope.settings, f"/pilots/{ind.pilot_id}/indicators/{ind.id}"),
    )


async def indicator_public(scope: Scope, pilot: ScopedPilot, indicator_id: str) -> IndicatorPublic:
    for item in await indicators_public(scope, pilot):
        if item.id == indicator_id:
            return item
    raise NotFound(f"Pilot {pilot.id} has no indicator {indicator_id!r}.", slug="indicator-not-found")
