"""Measurement import (CSV/XLSX, repeatable on external_id) and export in the same shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from hanke_libs.problems import InvalidParam, UnprocessableContent
from pilots.indicators.numbers import parse_number
from pilots.indicators.schemas import MeasurementImportReport
from pilots.indicators.service import pilot_indicators, pilot_measurements, visible
from pilots.models import Indicator, Measurement, audit
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
from pilots.tabular import cell_text, read_table

COLUMNS = [
    "external_id",
    "indicator_id",
    "indicator_name",
    "measured_on",
    "value",
    "unit",
    "source",
    "respondents",
    "narrative",
]
FIELDS = ("indicator_id", "measured_on", "value", "source", "respondents", "narrative")


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = cell_text(raw).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (yyyy-mm-dd or d.m.yyyy)")


def _parse_row(
    line: int, row: dict[str, Any], by_id: dict[str, Indicator], by_name: dict[str, list[Indicator]]
) -> tuple[dict[str, Any] | None, list[InvalidParam]]:
    errors: list[InvalidParam] = []

    def err(name: str, reason: str) -> None:
        errors.append(InvalidParam(name=name, reason=reason, line=line))

    text = {k: cell_text(v).strip() for k, v in row.items()}
    external_id = text.get("external_id", "")
    if not external_id:
        err("external_id", "required (it makes the import repeatable)")
    elif len(external_id) > 200:
        err("external_id", "longer than 200 characters")
    ind: Indicator | None = None
    if text.get("indicator_id"):
        ind = by_id.get(text["indicator_id"])
        if ind is None:
            err("indicator_id", f"{text['indicator_id']!r} is not an indicator of this pilot")
    elif text.get("indicator_name"):
        found = by_name.get(text["indicator_name"].lower(), [])
        if len(found) != 1:
            err(
                "indicator_name",
                f"{text['indicator_name']!r} names {len(found)} indicators of this pilot, not one",
            )
        else:
            ind = found[0]
    else:
        err("indicator_id", "indicator_id or indicator_name is required")
    measured_on = None
    try:
        measured_on = parse_date(row.get("measured_on"))
    except ValueError as exc:
        err("measured_on", str(exc))
    value = text.get("value", "")
    raw_value = row.get("value")
    if ind is not None:
        if text.get("unit") and text["unit"] != ind.unit:
            err("unit", f"the indicator's unit is {ind.unit!r}, not {text['unit']!r}")
        if ind.numeric:
            try:
                value = str(parse_number(raw_value if isinstance(raw_value, int | float) else value))
            except ValueError as exc:
                err("value", f"{exc}; the indicator is numeric")
        elif not value:
            err("value", "required")
    respondents = None
    if text.get("respondents"):
        try:
            number = parse_number(text["respondents"])
            if number < 0 or number != number.to_integral_value():
                raise ValueError
            respondents = int(number)
        except ValueError:
            err("respondents", f"{text['respondents']!r} is not a whole number of respondents")
    if ind is not None and ind.survey_based and respondents is None:
        err("respondents", "required for a survey-based indicator")
    for key, limit in (("source", 300), ("narrative", 2000), ("value", 200)):
        if len(text.get(key, "")) > limit:
            err(key, f"longer than {limit} characters")
    if errors or ind is None:
        return None, errors
    return {
        "external_id": external_id,
        "indicator_id": ind.id,
        "measured_on": measured_on,
        "value": value,
        "source": text.get("source") or None,
        "respondents": respondents,
        "narrative": text.get("narrative") or None,
    }, []


async def import_measurements(
    scope: Scope, pilot_id: str, *, data: bytes, filename: str | None, dry_run: bool
) -> MeasurementImportReport:
    """All or nothing: any bad row refuses the whole file (422 listing every bad row) unless dry run."""
    table = await run_in_threadpool(read_table, data, filename)  # parsing XLSX is CPU work
    found = await repository.get_editable(scope, pilot_id)
    pilot = found.row
    session = scope.session
    inds = await pilot_indicators(scope, found)
    by_id = {i.id: i for i in inds}
    by_name: dict[str, list[Indicator]] = {}
    for i in inds:
        by_name.setdefault(i.name.lower(), []).append(i)
    parsed: list[dict[str, Any]] = []
    errors: list[InvalidParam] = []
    seen: dict[str, int] = {}
    for line, row in table:
        values, row_errors = _parse_row(line, row, by_id, by_name)
        errors += row_errors
        if values is not None:
            if values["external_id"] in seen:
                errors.append(
                    InvalidParam(
                        name="external_id",
                        line=line,
                        reason=f"{values['external_id']!r} is on line {seen[values['external_id']]} already",
                    )
                )
                continue
            seen[values["external_id"]] = line
            parsed.append(values)
    existing = {
        m.external_id: m
        for m in (
            await session.exec(
                select(Measurement).where(
                    Measurement.pilot_id == pilot.id, col(Measurement.external_id).in_(list(seen))
                )
            )
        ).all()
    }
    plan: list[tuple[str, Measurement | None, dict[str, Any]]] = []
    for values in parsed:
        m = existing.get(values["external_id"])
        if m is None:
            plan.append(("create", None, values))
        elif any(getattr(m, k) != values[k] for k in FIELDS):
            plan.append(("update", m, values))
        else:
            plan.append(("unchanged", m, values))
    report = MeasurementImportReport(
        dry_run=dry_run,
        rows=len(table),
        created=sum(1 for p in plan if p[0] == "create"),
        updated=sum(1 for p in plan if p[0] == "update"),
        unchanged=sum(1 for p in plan if p[0] == "unchanged"),
        errors=[e.model_dump(exclude_none=True) for e in errors],
    )
    if dry_run:
        return report
    if errors:
        raise UnprocessableContent(
            f"{len(errors)} problem(s) in the file; nothing was imported.",
            slug="invalid-import",
            errors=errors,
        )
    entries = []
    for action, m, values in plan:
        if action == "create":
            m = Measurement(pilot_id=pilot.id, **values)
            session.add(m)
            entries.append(
                {
                    "action": "import-create",
                    "entity_type": "measurement",
                    "entity_id": m.id,
                    "changes": values,
                }
            )
        elif action == "update":
            assert m is not None
            changes = {k: [getattr(m, k), values[k]] for k in FIELDS if getattr(m, k) != values[k]}
            for key in FIELDS:
                setattr(m, key, values[key])
            session.add(m)
            entries.append(
                {
                    "action": "import-update",
                    "entity_type": "measurement",
                    "entity_id": m.id,
                    "changes": changes,
                }
            )
    await session.flush()
    await audit.record_many(session, entries, actor=scope.principal)
    return report


async def export_rows(scope: Scope, pilot: ScopedPilot) -> list[list[Any]]:
    """The pilot's measurements visible to the caller, in the import's shape."""
    inds = {i.id: i for i in await pilot_indicators(scope, pilot)}
    small_ok = pilot.sees_small_samples
    rows = []
    for m in await pilot_measurements(scope, pilot):
        ind = inds[m.indicator_id]
        if visible(ind, m, small_ok):
            rows.append(
                [
                    m.external_id,
                    ind.id,
                    ind.name,
                    m.measured_on,
                    Decimal(m.value) if ind.numeric else m.value,
                    ind.unit,
                    m.source,
                    m.respondents,
                    m.narrative,
                ]
            )
    return rows
