"""Indicators and measurements: validation, locks, visibility, progress and traffic lights.

Every function takes the caller's :class:`~pilots.scope.Scope` and reaches a pilot's rows only
through a :class:`~pilots.pilots.repository.ScopedPilot`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import case, or_, true
from sqlmodel import col, func, select

from hanke_libs.audit import diff
from hanke_libs.links import public_url
from hanke_libs.problems import Conflict, InvalidParam, NotFound, UnprocessableContent
from hanke_libs.tabular import parse_decimal
from pilots.gates.facts import is_frozen
from pilots.indicators.lights import light
from pilots.indicators.numbers import progress_percent
from pilots.indicators.schemas import (
    IndicatorCreate,
    IndicatorPublic,
    IndicatorUpdate,
    MeasurementCreate,
    MeasurementPublic,
)
from pilots.models import FrozenChange, Indicator, IndicatorKind, Measurement, audit
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import SMALL_SAMPLE_LIMIT, Scope
from pilots.types import Direction

LOCKED_FIELDS = ("unit", "calculation", "numeric", "survey_based")
FROZEN_FIELDS = ("baseline", "target", "direction")


def _invalid(name: str, reason: str, slug: str = "invalid-indicator") -> UnprocessableContent:
    return UnprocessableContent(
        f"{name}: {reason}", slug=slug, errors=[InvalidParam(name=name, reason=reason)]
    )


def canonical_value(raw: object, *, numeric: bool, name: str) -> str:
    """The stored text of a value: a canonical decimal for numeric indicators (422 otherwise)."""
    if not numeric:
        return str(raw).strip()
    try:
        number = parse_decimal(raw, required=True)
    except ValueError as exc:
        raise _invalid(name, f"{exc}; this indicator is numeric", slug="not-a-number") from exc
    return str(number)


def _check_direction(ind: Indicator) -> None:
    if not ind.numeric or ind.baseline is None or ind.target is None:
        return
    base, target = Decimal(ind.baseline), Decimal(ind.target)
    if target == base:
        raise _invalid("body.target", "the target equals the baseline")
    if (ind.direction == Direction.HIGHER) != (target > base):
        raise _invalid(
            "body.target",
            f"with '{ind.direction} is better' the target must be on that side of the baseline {base}",
        )


async def _check_kind(scope: Scope, code: str) -> None:
    if await scope.session.get(IndicatorKind, code) is None:
        kinds = (
            await scope.session.exec(select(IndicatorKind.code).order_by(col(IndicatorKind.sort_order)))
        ).all()
        raise _invalid("body.kind", f"unknown indicator kind {code!r}; known: {', '.join(kinds)}")


async def _indicator(scope: Scope, pilot: ScopedPilot, indicator_id: str) -> Indicator:
    ind = await scope.session.get(Indicator, indicator_id)
    if ind is None or ind.pilot_id != pilot.id:
        raise NotFound(f"Pilot {pilot.id} has no indicator {indicator_id!r}.", slug="indicator-not-found")
    return ind


async def _measurement_count(scope: Scope, indicator_id: str) -> int:
    stmt = select(func.count()).select_from(Measurement).where(Measurement.indicator_id == indicator_id)
    return int((await scope.session.exec(stmt)).one())


async def create_indicator(scope: Scope, pilot_id: str, data: IndicatorCreate) -> Indicator:
    pilot = await repository.get_editable(scope, pilot_id)
    await _check_kind(scope, data.kind)
    ind = Indicator(
        pilot_id=pilot.id,
        kind_code=data.kind,
        name=data.name,
        unit=data.unit,
        calculation=data.calculation,
        numeric=data.numeric,
        survey_based=data.survey_based,
        direction=str(data.direction),
    )
    for key in ("baseline", "target"):
        raw = getattr(data, key)
        if raw is not None:
            setattr(ind, key, canonical_value(raw, numeric=data.numeric, name=f"body.{key}"))
    _check_direction(ind)
    scope.session.add(ind)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="indicator",
        entity_id=ind.id,
        changes={"pilot_id": pilot.id, **ind.model_dump(exclude={"id", "created_at", "pilot_id"})},
    )
    return ind


async def update_indicator(
    scope: Scope, pilot_id: str, indicator_id: str, data: IndicatorUpdate
) -> Indicator:
    """Unit and calculation lock once measurements exist; baseline, target, direction freeze once running."""
    pilot = await repository.get_editable(scope, pilot_id)
    ind = await _indicator(scope, pilot, indicator_id)
    sent = {k: getattr(data, k) for k in data.model_fields_set if k != "change_reason"}
    if "kind" in sent:
        if sent["kind"] is not None:
            await _check_kind(scope, sent["kind"])
        sent["kind_code"] = sent.pop("kind")
    if sent.get("direction") is not None:
        sent["direction"] = str(sent["direction"])
    numeric = sent.get("numeric", ind.numeric)
    for key in ("baseline", "target"):
        if sent.get(key) is not None:
            sent[key] = canonical_value(sent[key], numeric=bool(numeric), name=f"body.{key}")
    for key in ("name", "unit", "kind_code", "numeric", "survey_based", "direction"):
        if key in sent and sent[key] is None:
            raise _invalid(f"body.{key.removesuffix('_code')}", "cannot be emptied")
    before = ind.model_dump(exclude={"created_at"})
    changed = {k: v for k, v in sent.items() if getattr(ind, k) != v}
    locked = [k for k in changed if k in LOCKED_FIELDS]
    if locked and await _measurement_count(scope, ind.id):
        raise Conflict(
            "The indicator has measurements: its " + ", ".join(locked) + " can no longer change "
            "(add a new indicator instead).",
            slug="indicator-locked",
            fields=locked,
        )
    frozen = [k for k in changed if k in FROZEN_FIELDS]
    if frozen and await is_frozen(scope, pilot.row):
        if not data.change_reason:
            raise Conflict(
                "What the pilot tests is frozen once it runs: send change_reason to change "
                + ", ".join(frozen)
                + ".",
                slug="frozen-fields",
                fields=frozen,
            )
        for key in frozen:
            scope.session.add(
                FrozenChange(
                    pilot_id=pilot.id,
                    entity=f"indicator:{ind.id}",
                    field=key,
                    old_value=getattr(ind, key),
                    new_value=changed[key],
                    reason=data.change_reason,
                    actor=scope.principal.actor,
                )
            )
    for key, value in changed.items():
        setattr(ind, key, value)
    _check_direction(ind)
    changes = diff(before, ind.model_dump(exclude={"created_at"}))
    if changes:
        if data.change_reason:
            changes["change_reason"] = data.change_reason
        scope.session.add(ind)
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="update",
            entity_type="indicator",
            entity_id=ind.id,
            changes=changes,
        )
    await scope.session.flush()
    return ind


def check_respondents(ind: Indicator, respondents: int | None, name: str) -> None:
    if ind.survey_based and respondents is None:
        raise _invalid(
            name,
            "a survey-based indicator's measurement needs the number of respondents",
            slug="invalid-measurement",
        )


async def create_measurement(
    scope: Scope, pilot_id: str, data: MeasurementCreate
) -> tuple[Indicator, Measurement]:
    """One measurement; the indicator must be this pilot's."""
    pilot = await repository.get_editable(scope, pilot_id)
    ind = await scope.session.get(Indicator, data.indicator_id)
    if ind is None or ind.pilot_id != pilot.id:
        raise _invalid(
            "body.indicator_id",
            f"indicator {data.indicator_id!r} is not an indicator of pilot {pilot.id}"
            if ind is not None
            else f"no indicator {data.indicator_id!r}",
            slug="indicator-of-another-pilot" if ind is not None else "unknown-indicator",
        )
    value = canonical_value(data.value, numeric=ind.numeric, name="body.value")
    check_respondents(ind, data.respondents, "body.respondents")
    if data.external_id:
        dup = (
            await scope.session.exec(
                select(Measurement.id).where(
                    Measurement.pilot_id == pilot.id, Measurement.external_id == data.external_id
                )
            )
        ).first()
        if dup:
            raise Conflict(
                f"A measurement with external id {data.external_id!r} exists already ({dup}).",
                slug="duplicate-external-id",
                measurement_id=dup,
            )
    m = Measurement(
        pilot_id=pilot.id,
        indicator_id=ind.id,
        measured_on=data.measured_on,
        value=value,
        source=data.source,
        respondents=data.respondents,
        narrative=data.narrative,
        external_id=data.external_id,
    )
    if m.external_id is None:
        m.external_id = m.id
    scope.session.add(m)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="measurement",
        entity_id=m.id,
        changes=m.model_dump(exclude={"id", "created_at"}),
    )
    return ind, m


async def delete_measurement(scope: Scope, pilot_id: str, measurement_id: str) -> None:
    """Remove a wrongly entered measurement (audited with its values)."""
    pilot = await repository.get_editable(scope, pilot_id)
    m = await scope.session.get(Measurement, measurement_id)
    if m is None or m.pilot_id != pilot.id:
        raise NotFound(
            f"Pilot {pilot_id} has no measurement {measurement_id!r}.", slug="measurement-not-found"
        )
    values = m.model_dump(exclude={"id", "created_at"})
    await scope.session.delete(m)
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="delete",
        entity_type="measurement",
        entity_id=measurement_id,
        changes=values,
    )


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
