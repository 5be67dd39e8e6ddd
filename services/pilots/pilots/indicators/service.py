"""Indicators and measurements, their writes: validation, locks, the frozen fields and the audit trail
(how they are read, with the small-sample rule, progress and traffic lights: :mod:`pilots.indicators.reads`).

Every function takes the caller's :class:`~pilots.scope.Scope` and reaches a pilot's rows only
through a :class:`~pilots.pilots.repository.ScopedPilot`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import col, func, select

from hanke_libs.audit import diff
from hanke_libs.problems import Conflict, InvalidParam, NotFound, UnprocessableContent
from hanke_libs.tabular import parse_decimal
from pilots.gates.facts import is_frozen
from pilots.indicators.schemas import (
    IndicatorCreate,
    IndicatorUpdate,
    MeasurementCreate,
)
from pilots.models import FrozenChange, Indicator, IndicatorKind, Measurement, audit
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
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
