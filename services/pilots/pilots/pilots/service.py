"""Pilots: create, update (with frozen fields and the portfolio rule), read as API models."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlmodel import col, select

from hanke_libs.audit import diff
from hanke_libs.auth import Role
from hanke_libs.etag import IfMatch
from hanke_libs.links import public_url
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, NotFound, UnprocessableContent
from pilots import team
from pilots.gates import decisions, facts
from pilots.gates.portfolio import AS_OF_NOTE, refuse_breaking_edit
from pilots.gates.schemas import GateDecisionPublic
from pilots.indicators.lights import TRAFFIC_LIGHT_RULE
from pilots.indicators.schemas import IndicatorPublic
from pilots.indicators.service import indicators_public
from pilots.models import EstablishmentPilot, FrozenChange, Pilot, Project, Sector, StageChange, audit
from pilots.models.types import utcnow
from pilots.pilots import hot, repository
from pilots.pilots.repository import ScopedPilot
from pilots.pilots.schemas import (
    HypothesisPublic,
    MyPilot,
    PilotCreate,
    PilotPublic,
    PilotRelation,
    PilotSummary,
    PilotUpdate,
    SectorRef,
)
from pilots.scope import Scope, with_read_session
from pilots.types import Stage

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


def hypothesis_public(p: Pilot | SimpleNamespace) -> HypothesisPublic:
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


def href(scope: Scope, pilot_id: str) -> str:
    return public_url(scope.settings, f"/pilots/{pilot_id}")


async def to_public(scope: Scope, found: ScopedPilot, as_of: dt.date | None = None) -> PilotPublic:
    """The pilot as the caller may see it; stage, indicators and decision as of ``as_of`` if given
    (404 when the pilot did not exist yet on that day)."""
    pilot = found.row
    stage = Stage(pilot.stage)
    if as_of is not None:
        stages = await facts.stages_on(scope, [pilot.id], as_of)
        if pilot.id not in stages:
            raise NotFound(
                f"Pilot {pilot.id} did not exist yet on {as_of}.",
                slug="pilot-not-found-as-of",
                as_of=str(as_of),
            )
        stage = stages[pilot.id]
    sectors = await repository.sectors(scope, found)
    est = (
        await scope.session.exec(
            select(EstablishmentPilot.establishment_id)
            .where(EstablishmentPilot.pilot_id == pilot.id)
            .order_by(col(EstablishmentPilot.establishment_id))
        )
    ).all()
    latest = await facts.latest_evaluation(scope, pilot.id, as_of)
    return public_of(
        scope,
        pilot,
        stage=stage,
        sectors=[SectorRef(code=s.code, name_fi=s.name_fi, name_en=s.name_en) for s in sectors],
        establishment_ids=list(est),
        frozen=await facts.is_frozen(scope, pilot),
        indicators=await indicators_public(scope, found, as_of),
        latest=decisions.to_public(scope, latest) if latest else None,
        as_of=as_of,
    )


def public_of(
    scope: Scope,
    pilot: Pilot | SimpleNamespace,
    *,
    stage: Stage,
    sectors: list[SectorRef],
    establishment_ids: list[str],
    frozen: bool,
    indicators: list[IndicatorPublic],
    latest: GateDecisionPublic | None,
    as_of: dt.date | None,
) -> PilotPublic:
    """The body of ``GET /pilots/{id}`` from the pilot's row (an ORM object or the hot read's
    columns) and what was read with it (pilots.pilots.hot_detail)."""
    return PilotPublic(
        **{k: getattr(pilot, k) for k in PLAIN_FIELDS},
        id=pilot.id,
        project_code=pilot.project_code,
        sectors=sectors,
        hypothesis=hypothesis_public(pilot),
        stage=stage,
        frozen=frozen,
        version=pilot.version,
        created_at=pilot.created_at,
        updated_at=pilot.updated_at,
        indicators=indicators,
        traffic_light_rule=TRAFFIC_LIGHT_RULE,
        latest_decision=latest,
        establishment_ids=establishment_ids,
        as_of=as_of,
        as_of_note=AS_OF_NOTE if as_of else None,
        href=href(scope, pilot.id),
    )


def summary(
    scope: Scope, p: Pilot | SimpleNamespace, sectors: list[str], stage: Stage | None = None
) -> PilotSummary:
    """A pilot in a list, from its row (an ORM object or the hot read's columns)."""
    return PilotSummary(
        id=p.id,
        project_code=p.project_code,
        title=p.title,
        stage=stage or Stage(p.stage),
        owner_id=p.owner_id,
        sectors=sectors,
        success_rating=p.success_rating,
        start_date=p.start_date,
        end_date=p.end_date,
        version=p.version,
        href=href(scope, p.id),
    )


async def list_in_project(
    scope: Scope,
    code: str,
    *,
    stage: Stage | None,
    owner_id: str | None,
    as_of: dt.date | None,
    offset: int,
    limit: int,
) -> tuple[list[PilotSummary], int]:
    """The project's pilots the caller may read (as of a day: those that existed then, with their stage then)."""
    if as_of is None and scope.reads_all and scope.db is not None:  # the hot read (pilots.pilots.hot)
        rows, total = await hot.page(
            scope, scope.db, code, stage=stage, owner_id=owner_id, offset=offset, limit=limit
        )
        return [summary(scope, SimpleNamespace(**values), sectors) for values, sectors in rows], total
    async with with_read_session(scope) as scope:
        return await _listed_in_project(
            scope, code, stage=stage, owner_id=owner_id, as_of=as_of, offset=offset, limit=limit
        )


async def _listed_in_project(
    scope: Scope,
    code: str,
    *,
    stage: Stage | None,
    owner_id: str | None,
    as_of: dt.date | None,
    offset: int,
    limit: int,
) -> tuple[list[PilotSummary], int]:
    """:func:`list_in_project`'s session path."""
    await repository.get_project(scope, code)
    if as_of is None:
        found, total = await repository.list_in_project(
            scope, code, stage=stage, owner_id=owner_id, offset=offset, limit=limit
        )
        stages = {f.id: Stage(f.row.stage) for f in found}
    else:
        every, _ = await repository.list_in_project(scope, code, owner_id=owner_id)
        on_day = await facts.stages_on(scope, [f.id for f in every], as_of)
        kept = [f for f in every if f.id in on_day and (stage is None or on_day[f.id] == stage)]
        total, found, stages = len(kept), kept[offset : offset + limit], on_day
    sectors = await repository.sector_codes(scope, [f.id for f in found])
    return [summary(scope, f.row, sectors[f.id], stages[f.id]) for f in found], total


async def mine(scope: Scope, *, offset: int, limit: int) -> tuple[list[MyPilot], int]:
    rows, total = await repository.mine(scope, offset=offset, limit=limit)
    sectors = await repository.sector_codes(scope, [p.id for p in rows])
    items = [
        MyPilot(
            **summary(scope, p, sectors[p.id]).model_dump(),
            relation="owner" if scope.is_owner(p) else "champion",
        )
        for p in rows
    ]
    return items, total


async def relation(scope: Scope, pilot_id: str) -> PilotRelation:
    pilot = await repository.find_any(scope, pilot_id)
    if pilot is None:
        raise NotFound(f"No pilot with id {pilot_id!r}.", slug="pilot-not-found")
    return PilotRelation(
        pilot_id=pilot.id,
        project_code=pilot.project_code,
        stage=Stage(pilot.stage),
        is_owner=scope.is_owner(pilot),
        is_champion=scope.is_champion(pilot),
        may_read=scope.may_read(pilot),
        may_edit=scope.may_edit(pilot),
    )


async def frozen_changes(scope: Scope, found: ScopedPilot, *, offset: int, limit: int) -> list[FrozenChange]:
    rows = (
        await scope.session.exec(
            select(FrozenChange)
            .where(FrozenChange.pilot_id == found.id)
            .order_by(col(FrozenChange.at), col(FrozenChange.id))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return list(rows)
