"""Pilots' writes: create, update (with frozen fields and the portfolio rule), their validation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hanke_libs.audit import diff
from hanke_libs.auth import Role
from hanke_libs.etag import IfMatch
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, UnprocessableContent
from pilots import team
from pilots.gates import facts
from pilots.gates.portfolio import refuse_breaking_edit
from pilots.models import FrozenChange, Pilot, Project, Sector, StageChange, audit
from pilots.models.types import utcnow
from pilots.pilots import repository
from pilots.pilots.bodies import HYPOTHESIS_COLUMNS, PLAIN_FIELDS
from pilots.pilots.repository import ScopedPilot
from pilots.pilots.schemas import PilotCreate, PilotUpdate
from pilots.scope import Scope
from pilots.types import Stage

FROZEN_PILOT_FIELDS = ("riskiest_assumption", *HYPOTHESIS_COLUMNS.values())


def _summary(errors: list[InvalidParam]) -> str:
    return "; ".join(f"{e.name}: {e.reason}" for e in errors[:5])


def _date_errors(project: Project, start: dt.date | None, end: dt.date | None) -> list[InvalidParam]:
    errors = []
    period = f"{project.period_start}..{project.period_end}"
    for name, value in (("start_date", start), ("end_date", end)):
        if value is not None and not project.period_start <= value <= project.period_end:
            errors.append(
                InvalidParam(name=f"body.{name}", reason=f"{value} is outside the project period {period}")
            )
    if start and end and end < start:
        errors.append(InvalidParam(name="body.end_date", reason=f"the end {end} is before the start {start}"))
    return errors


def _sector_errors(
    known: dict[str, Sector],
    codes: list[str],
    keep: set[str],
    project: Project,
    start: dt.date | None,
    end: dt.date | None,
) -> list[InvalidParam]:
    """Unknown codes, and new sectors not valid during the pilot (sectors it already has are kept)."""
    first, last = start or project.period_start, end or project.period_end
    errors = []
    for i, code in enumerate(codes):
        sector = known.get(code)
        if sector is None:
            errors.append(InvalidParam(name=f"body.sectors.{i}", reason=f"unknown sector {code!r}"))
        elif code not in keep and (
            (sector.valid_from and sector.valid_from > last) or (sector.valid_to and sector.valid_to < first)
        ):
            errors.append(
                InvalidParam(
                    name=f"body.sectors.{i}",
                    reason=f"sector {code!r} is valid {sector.valid_from or '...'}..{sector.valid_to or '...'}, "
                    f"not during the pilot ({first}..{last})",
                )
            )
    if len(set(codes)) != len(codes):
        errors.append(InvalidParam(name="body.sectors", reason="a sector is listed twice"))
    return errors


def _flat(data: PilotCreate | PilotUpdate) -> dict[str, Any]:
    """The sent fields as column values (the hypothesis flattened)."""
    values = {k: getattr(data, k) for k in data.model_fields_set if k in PLAIN_FIELDS}
    if values.get("traffic_lights") is not None:
        values["traffic_lights"] = {k: str(v) for k, v in values["traffic_lights"].items()}
    if "customer_groups" in values and values["customer_groups"] is None:
        values["customer_groups"] = []
    if "traffic_lights" in values and values["traffic_lights"] is None:
        values["traffic_lights"] = {}
    if "hypothesis" in data.model_fields_set:
        hyp = data.hypothesis
        if hyp is None:
            values.update(dict.fromkeys(HYPOTHESIS_COLUMNS.values()))
        else:
            for key in hyp.model_fields_set:
                values[HYPOTHESIS_COLUMNS[key]] = getattr(hyp, key)
    return values


def snapshot(pilot: Pilot, sectors: list[str]) -> dict[str, Any]:
    data = {k: getattr(pilot, k) for k in (*PLAIN_FIELDS, *HYPOTHESIS_COLUMNS.values(), "stage")}
    data["sectors"] = sorted(sectors)
    return data


async def create(scope: Scope, code: str, data: PilotCreate) -> ScopedPilot:
    """A new pilot in stage idea; a pilot_owner creates pilots it owns itself; the owner is checked."""
    if not scope.is_manager:
        if not scope.principal.has(Role.pilot_owner):
            raise Forbidden("Creating pilots needs the role pilot_owner, project_manager or admin.")
        if data.owner_id not in (None, scope.person_id):
            raise Forbidden("A pilot owner creates pilots it owns itself (owner_id is your person id).")
    owner = data.owner_id or scope.person_id
    await team.check_person(scope.participants, scope.principal, owner, field="body.owner_id")
    project = await repository.get_project(scope, code)
    values = _flat(data)
    values["owner_id"] = owner
    codes = data.sectors or []
    errors = _date_errors(project, data.start_date, data.end_date)
    errors += _sector_errors(
        await repository.known_sectors(scope, codes), codes, set(), project, data.start_date, data.end_date
    )
    if errors:
        raise UnprocessableContent(_summary(errors), slug="invalid-pilot", errors=errors)
    pilot = Pilot(project_code=project.code, **values)
    scope.session.add(pilot)
    await scope.session.flush()
    await repository.set_sectors(scope, pilot, codes)
    scope.session.add(
        StageChange(
            pilot_id=pilot.id,
            to_stage=Stage.idea,
            kind="created",
            actor=scope.principal.actor,
            effective_on=dt.date.today(),
        )
    )
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="pilot",
        entity_id=pilot.id,
        changes=snapshot(pilot, codes),
    )
    return ScopedPilot(pilot, scope)


async def update(scope: Scope, pilot_id: str, data: PilotUpdate, if_match: IfMatch) -> ScopedPilot:
    """Change the sent fields. What was tested is frozen once the pilot runs (needs change_reason); an
    approved-or-later pilot keeps the portfolio rules (409 portfolio-rule)."""
    if data.owner_id is not None:
        await team.check_person(scope.participants, scope.principal, data.owner_id, field="body.owner_id")
    found = await repository.get_editable(scope, pilot_id)
    pilot = found.row
    if_match.check(pilot.version, label=f"Pilot {pilot.id}")
    if "owner_id" in data.model_fields_set and data.owner_id != pilot.owner_id and not scope.is_manager:
        raise Forbidden(
            "Only the project manager or an admin may hand a pilot to another owner.", slug="not-pilot-owner"
        )
    project = await repository.get_project(scope, pilot.project_code)
    values = _flat(data)
    current_sectors = [s.code for s in await repository.sectors(scope, found)]
    start = values.get("start_date", pilot.start_date)
    end = values.get("end_date", pilot.end_date)
    errors = _date_errors(project, start, end)
    if data.sectors is not None:
        known = await repository.known_sectors(scope, data.sectors)
        errors += _sector_errors(known, data.sectors, set(current_sectors), project, start, end)
    if errors:
        raise UnprocessableContent(_summary(errors), slug="invalid-pilot", errors=errors)
    before = snapshot(pilot, current_sectors)
    frozen = {k: v for k, v in values.items() if k in FROZEN_PILOT_FIELDS and getattr(pilot, k) != v}
    if frozen and await facts.is_frozen(scope, pilot):
        if not data.change_reason:
            raise Conflict(
                "What the pilot tests is frozen once it runs: send change_reason to change "
                + ", ".join(sorted(frozen))
                + ".",
                slug="frozen-fields",
                fields=sorted(frozen),
            )
        for key, new in frozen.items():
            old = getattr(pilot, key)
            scope.session.add(
                FrozenChange(
                    pilot_id=pilot.id,
                    entity="pilot",
                    field=key,
                    old_value=None if old is None else str(old),
                    new_value=None if new is None else str(new),
                    reason=data.change_reason,
                    actor=scope.principal.actor,
                )
            )
    for key, value in values.items():
        setattr(pilot, key, value)
    new_sectors = current_sectors if data.sectors is None else data.sectors
    refuse_breaking_edit(pilot, len(set(new_sectors)))
    if data.sectors is not None:
        await repository.set_sectors(scope, pilot, data.sectors)
    changes = diff(before, snapshot(pilot, new_sectors))
    if changes:
        pilot.version += 1
        pilot.updated_at = utcnow()
        scope.session.add(pilot)
        if data.change_reason:
            changes["change_reason"] = data.change_reason
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="update",
            entity_type="pilot",
            entity_id=pilot.id,
            changes=changes,
        )
    await scope.session.flush()
    return found
