"""Pilots: create, update (with frozen fields), read as API models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal, Role
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, NotFound, UnprocessableContent
from pilots.access import is_manager, require_edit
from pilots.lifecycle import FROZEN
from pilots.models import (
    EstablishmentPilot,
    FrozenChange,
    Pilot,
    PilotSector,
    Project,
    Sector,
    StageChange,
    audit,
)
from pilots.models.types import utcnow
from pilots.schemas.common import Stage
from pilots.schemas.indicator import IndicatorPublic
from pilots.schemas.pilot import HypothesisPublic, PilotCreate, PilotPublic, PilotUpdate, SectorRef

HYPOTHESIS_COLUMNS = {
    "action": "hypothesis_action",
    "group": "hypothesis_group",
    "group_size": "hypothesis_group_size",
    "outcome": "hypothesis_outcome",
    "outcome_percent": "hypothesis_outcome_percent",
    "time_frame": "hypothesis_time_frame",
}
FROZEN_PILOT_FIELDS = ("riskiest_assumption", *HYPOTHESIS_COLUMNS.values())
PLAIN_FIELDS = (
    "title",
    "need",
    "description",
    "owner_id",
    "customer_groups",
    "customer_involvement_method",
    "customers_involved",
    "start_date",
    "end_date",
    "riskiest_assumption",
    "what_happened",
    "conclusion",
    "next_step",
    "success_rating",
    "traffic_lights",
)


async def get_project(session: AsyncSession, code: str) -> Project:
    project = await session.get(Project, code)
    if project is None:
        raise NotFound(f"No project with code {code!r}.", slug="project-not-found")
    return project


async def get_pilot(session: AsyncSession, pilot_id: str) -> Pilot:
    pilot = await session.get(Pilot, pilot_id)
    if pilot is None:
        raise NotFound(f"No pilot with id {pilot_id!r}.", slug="pilot-not-found")
    return pilot


async def pilot_sectors(session: AsyncSession, pilot_id: str) -> list[Sector]:
    stmt = (
        select(Sector)
        .join(PilotSector, col(PilotSector.sector_code) == col(Sector.code))
        .where(PilotSector.pilot_id == pilot_id)
        .order_by(col(Sector.code))
    )
    return list((await session.exec(stmt)).all())


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


async def _sector_errors(
    session: AsyncSession,
    codes: list[str],
    keep: set[str],
    project: Project,
    start: dt.date | None,
    end: dt.date | None,
) -> list[InvalidParam]:
    """Unknown codes, and new sectors not valid during the pilot (sectors it already has are kept)."""
    known = {s.code: s for s in (await session.exec(select(Sector).where(col(Sector.code).in_(codes)))).all()}
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
    if "traffic_lights" in values and values["traffic_lights"] is not None:
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


async def _set_sectors(session: AsyncSession, pilot_id: str, codes: list[str]) -> None:
    existing = set(
        (await session.exec(select(PilotSector.sector_code).where(PilotSector.pilot_id == pilot_id))).all()
    )
    for code in existing - set(codes):
        row = await session.get(PilotSector, (pilot_id, code))
        if row is not None:
            await session.delete(row)
    for code in set(codes) - existing:
        session.add(PilotSector(pilot_id=pilot_id, sector_code=code))


async def create(
    *, session: AsyncSession, principal: Principal, project: Project, data: PilotCreate
) -> Pilot:
    """A new pilot in stage idea; a pilot_owner creates pilots it owns itself."""
    if not is_manager(principal):
        if not principal.has(Role.pilot_owner):
            raise Forbidden("Creating pilots needs the role pilot_owner, project_manager or admin.")
        if data.owner_id not in (None, principal.person_id):
            raise Forbidden("A pilot owner creates pilots it owns itself (owner_id is your person id).")
    values = _flat(data)
    values["owner_id"] = data.owner_id or principal.person_id
    codes = data.sectors or []
    errors = _date_errors(project, data.start_date, data.end_date)
    errors += await _sector_errors(session, codes, set(), project, data.start_date, data.end_date)
    if errors:
        raise UnprocessableContent(_summary(errors), slug="invalid-pilot", errors=errors)
    pilot = Pilot(project_code=project.code, **values)
    session.add(pilot)
    await session.flush()
    await _set_sectors(session, pilot.id, codes)
    session.add(StageChange(pilot_id=pilot.id, to_stage=Stage.idea, kind="created", actor=principal.actor))
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="pilot",
        entity_id=pilot.id,
        changes=snapshot(pilot, codes),
    )
    return pilot


async def is_frozen(session: AsyncSession, pilot: Pilot) -> bool:
    """What was tested is frozen once the pilot runs: running, evaluated, established, or
    discontinued after it had been running."""
    stage = Stage(pilot.stage)
    if stage in FROZEN:
        return True
    if stage != Stage.discontinued:
        return False
    ran = await session.exec(
        select(StageChange.id)
        .where(StageChange.pilot_id == pilot.id, col(StageChange.to_stage).in_([str(s) for s in FROZEN]))
        .limit(1)
    )
    return ran.first() is not None


def _summary(errors: list[InvalidParam]) -> str:
    return "; ".join(f"{e.name}: {e.reason}" for e in errors[:5])


async def update(*, session: AsyncSession, principal: Principal, pilot: Pilot, data: PilotUpdate) -> Pilot:
    """Change the sent fields; what was tested is frozen once the pilot runs (needs change_reason)."""
    require_edit(principal, pilot)
    if "owner_id" in data.model_fields_set and data.owner_id != pilot.owner_id and not is_manager(principal):
        raise Forbidden("Only the project manager or an admin may hand a pilot to another owner.")
    project = await get_project(session, pilot.project_code)
    values = _flat(data)
    for key in ("title", "owner_id"):
        if key in values and values[key] is None:
            raise UnprocessableContent(
                f"{key} cannot be emptied.", errors=[InvalidParam(name=f"body.{key}", reason="required")]
            )
    current_sectors = [s.code for s in await pilot_sectors(session, pilot.id)]
    start = values.get("start_date", pilot.start_date)
    end = values.get("end_date", pilot.end_date)
    errors = _date_errors(project, start, end)
    if data.sectors is not None:
        errors += await _sector_errors(session, data.sectors, set(current_sectors), project, start, end)
    if errors:
        raise UnprocessableContent(_summary(errors), slug="invalid-pilot", errors=errors)
    before = snapshot(pilot, current_sectors)
    frozen = {k: v for k, v in values.items() if k in FROZEN_PILOT_FIELDS and getattr(pilot, k) != v}
    if frozen and await is_frozen(session, pilot):
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
            session.add(
                FrozenChange(
                    pilot_id=pilot.id,
                    entity="pilot",
                    field=key,
                    old_value=None if old is None else str(old),
                    new_value=None if new is None else str(new),
                    reason=data.change_reason,
                    actor=principal.actor,
                )
            )
    for key, value in values.items():
        setattr(pilot, key, value)
    new_sectors = current_sectors if data.sectors is None else data.sectors
    if data.sectors is not None:
        await _set_sectors(session, pilot.id, data.sectors)
    changes = diff(before, snapshot(pilot, new_sectors))
    if changes:
        pilot.version += 1
        pilot.updated_at = utcnow()
        session.add(pilot)
        if data.change_reason:
            changes["change_reason"] = data.change_reason
        await audit.record(
            session,
            actor=principal,
            action="update",
            entity_type="pilot",
            entity_id=pilot.id,
            changes=changes,
        )
    await session.flush()
    return pilot


def hypothesis_public(p: Pilot) -> HypothesisPublic:
    hyp = HypothesisPublic(**{k: getattr(p, c) for k, c in HYPOTHESIS_COLUMNS.items()})
    if all(
        v is not None
        for v in (hyp.action, hyp.group, hyp.group_size, hyp.outcome, hyp.outcome_percent, hyp.time_frame)
    ):
        hyp.statement = (
            f"We believe that {hyp.action} with at least {hyp.group_size} of {hyp.group} results in at least "
            f"{hyp.outcome_percent} % {hyp.outcome} within {hyp.time_frame}."
        )
    return hyp


async def to_public(
    session: AsyncSession, pilot: Pilot, indicators: list[IndicatorPublic] | None = None
) -> PilotPublic:
    sectors = await pilot_sectors(session, pilot.id)
    est = (
        await session.exec(
            select(EstablishmentPilot.establishment_id)
            .where(EstablishmentPilot.pilot_id == pilot.id)
            .order_by(col(EstablishmentPilot.establishment_id))
        )
    ).all()
    return PilotPublic(
        **{k: getattr(pilot, k) for k in PLAIN_FIELDS},
        id=pilot.id,
        project_code=pilot.project_code,
        sectors=[SectorRef(code=s.code, name_fi=s.name_fi, name_en=s.name_en) for s in sectors],
        hypothesis=hypothesis_public(pilot),
        stage=Stage(pilot.stage),
        frozen=await is_frozen(session, pilot),
        version=pilot.version,
        created_at=pilot.created_at,
        updated_at=pilot.updated_at,
        indicators=indicators or [],
        establishment_ids=list(est),
    )
