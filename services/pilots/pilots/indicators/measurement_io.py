"""Measurement import (CSV/XLSX, repeatable on external_id) and export in the same shape.

Files are read by ``hanke_libs.tabular`` (encodings, delimiters, header detection, limits,
line-numbered errors); a file without the required columns is refused whole (422), and so is any
file with a bad row, unless it is a dry run, which reports the same without writing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from hanke_libs.problems import InvalidParam, UnprocessableContent
from hanke_libs.tabular import (
    ImportErrors,
    Row,
    TableSpec,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
    read_table,
)
from pilots.indicators.reads import pilot_indicators, pilot_measurements, visible
from pilots.indicators.schemas import MeasurementImportReport
from pilots.models import Indicator, Measurement, audit
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope

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
SPEC = TableSpec.of(
    {c: (c,) for c in COLUMNS},
    required=["external_id", "measured_on", "value"],
    max_rows=20_000,
    max_bytes=5_000_000,
)


def _indicator(
    row: Row, errors: ImportErrors, by_id: dict[str, Indicator], by_name: dict[str, list[Indicator]]
) -> Indicator | None:
    if row.text("indicator_id"):
        ind = by_id.get(row.text("indicator_id"))
        if ind is None:
            errors.add(
                row.line, "indicator_id", f"{row.text('indicator_id')!r} is not an indicator of this pilot"
            )
        return ind
    if row.text("indicator_name"):
        found = by_name.get(row.text("indicator_name").lower(), [])
        if len(found) != 1:
            errors.add(
                row.line,
                "indicator_name",
                f"{row.text('indicator_name')!r} names {len(found)} indicators of this pilot, not one",
            )
            return None
        return found[0]
    errors.add(row.line, "indicator_id", "indicator_id or indicator_name is required")
    return None


def _parse_row(
    row: Row, errors: ImportErrors, by_id: dict[str, Indicator], by_name: dict[str, list[Indicator]]
) -> dict[str, Any] | None:
    before = len(errors)
    external_id = errors.cell(row, "external_id", parse_text, required=True, max_length=200)
    ind = _indicator(row, errors, by_id, by_name)
    measured_on = errors.cell(row, "measured_on", parse_date, required=True)
    value: str | None = None
    if ind is not None:
        unit = row.text("unit")
        if unit and unit != ind.unit:
            errors.add(row.line, "unit", f"the indicator's unit is {ind.unit!r}, not {unit!r}")
        if ind.numeric:
            number = errors.cell(row, "value", parse_decimal, required=True)
            value = None if number is None else str(number)
        else:
            value = errors.cell(row, "value", parse_text, required=True)
    respondents = errors.cell(row, "respondents", parse_int, max=10_000_000)
    if ind is not None and ind.survey_based and respondents is None and not row.text("respondents"):
        errors.add(row.line, "respondents", "required for a survey-based indicator")
    source = errors.cell(row, "source", parse_text, max_length=300)
    narrative = errors.cell(row, "narrative", parse_text, max_length=2000, multi_line=True)
    if len(errors) > before or ind is None:
        return None
    return {
        "external_id": external_id,
        "indicator_id": ind.id,
        "measured_on": measured_on,
        "value": value,
        "source": source,
        "respondents": respondents,
        "narrative": narrative,
    }


async def import_measurements(
    scope: Scope, pilot_id: str, *, data: bytes, filename: str | None, dry_run: bool
) -> MeasurementImportReport:
    """All or nothing: any bad row refuses the whole file (422 listing every bad row) unless dry run."""
    found = await repository.get_editable(scope, pilot_id)  # who may import, before reading the file
    errors = ImportErrors()
    table = await run_in_threadpool(read_table, data, filename, SPEC, errors=errors)  # CPU work
    pilot = found.row
    session = scope.session
    inds = await pilot_indicators(scope, found)
    by_id = {i.id: i for i in inds}
    by_name: dict[str, list[Indicator]] = {}
    for i in inds:
        by_name.setdefault(i.name.lower(), []).append(i)
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = _parse_row(row, errors, by_id, by_name)
        if values is not None:
            if values["external_id"] in seen:
                errors.add(
                    row.line,
                    "external_id",
                    f"{values['external_id']!r} is on line {seen[values['external_id']]} already",
                )
                continue
            seen[values["external_id"]] = row.line
            parsed.append(values)
    problems: list[InvalidParam] = sorted(errors.items, key=lambda e: e.line or 0)
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
        rows=len(table.rows),
        created=sum(1 for p in plan if p[0] == "create"),
        updated=sum(1 for p in plan if p[0] == "update"),
        unchanged=sum(1 for p in plan if p[0] == "unchanged"),
        errors=[e.model_dump(exclude_none=True) for e in problems],
    )
    if dry_run:
        return report
    if problems:
        raise UnprocessableContent(
            f"{len(problems)} problem(s) in the file; nothing was imported.",
            slug="invalid-import",
            errors=problems,
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
