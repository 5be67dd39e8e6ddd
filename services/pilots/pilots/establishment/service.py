"""Establishment records: a practice from pilots, where it lives, its status.

Establishment follows the evaluation decision: a pilot whose latest evaluation decision is *park*
or *stop* cannot be linked to a record, nor can a record linking it be decided, until a new
decision (409 ``decision-not-scale-up``); *scale up* proposes a record (:func:`propose`).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, func, select

from hanke_libs.audit import diff
from hanke_libs.etag import IfMatch
from hanke_libs.links import public_url
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, NotFound, UnprocessableContent
from pilots.establishment.schemas import EstablishmentCreate, EstablishmentPublic, EstablishmentUpdate
from pilots.gates import facts
from pilots.models import Establishment, EstablishmentPilot, Pilot, audit
from pilots.models.types import utcnow
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
from pilots.types import AnchorKind, EstablishmentStatus, EvaluationOutcome

STATUS_ORDER = [EstablishmentStatus.proposed, EstablishmentStatus.decided, EstablishmentStatus.in_use]
FIELDS = (
    "practice",
    "description",
    "anchor_kind",
    "anchor_name",
    "decision_date",
    "decision_reference",
    "status",
)
BLOCKING = {EvaluationOutcome.park, EvaluationOutcome.stop}


def _readable(scope: Scope) -> Any:
    """Establishment records the caller may read: those linking a pilot it may read."""
    linked = (
        select(EstablishmentPilot.establishment_id)
        .join(Pilot, col(Pilot.id) == col(EstablishmentPilot.pilot_id))
        .where(scope.readable_clause())
    )
    return col(Establishment.id).in_(linked)


async def get(scope: Scope, establishment_id: str, *, for_update: bool = False) -> Establishment:
    scope.require_read_role()
    stmt = select(Establishment).where(Establishment.id == establishment_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    record = (await scope.session.exec(stmt)).first()
    if record is None:
        raise NotFound(f"No establishment record {establishment_id!r}.", slug="establishment-not-found")
    if not (
        await scope.session.exec(select(func.count()).where(Establishment.id == record.id, _readable(scope)))
    ).one():
        raise Forbidden(
            f"Establishment record {establishment_id} links no pilot you may read.", slug="not-pilot-member"
        )
    return record


async def list_in_project(
    scope: Scope, code: str, *, offset: int, limit: int
) -> tuple[list[Establishment], int]:
    scope.require_read_role()
    where = [Establishment.project_code == code, _readable(scope)]
    total = int(
        (await scope.session.exec(select(func.count()).select_from(Establishment).where(*where))).one()
    )
    rows = (
        await scope.session.exec(
            select(Establishment)
            .where(*where)
            .order_by(col(Establishment.created_at), col(Establishment.id))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return list(rows), total


async def for_pilot(scope: Scope, pilot: ScopedPilot) -> list[Establishment]:
    rows = await scope.session.exec(
        select(Establishment)
        .join(EstablishmentPilot, col(EstablishmentPilot.establishment_id) == col(Establishment.id))
        .where(EstablishmentPilot.pilot_id == pilot.id)
        .order_by(col(Establishment.created_at), col(Establishment.id))
    )
    return list(rows.all())


async def pilot_ids(scope: Scope, establishment_id: str) -> list[str]:
    stmt = (
        select(EstablishmentPilot.pilot_id)
        .where(EstablishmentPilot.establishment_id == establishment_id)
        .order_by(col(EstablishmentPilot.pilot_id))
    )
    return list((await scope.session.exec(stmt)).all())


async def _check_pilots(scope: Scope, project: str, ids: list[str]) -> None:
    """Every pilot exists in the project, the caller may edit each, and none is parked or stopped."""
    found = {p.id: p for p in (await scope.session.exec(select(Pilot).where(col(Pilot.id).in_(ids)))).all()}
    errors = [
        InvalidParam(name=f"body.pilot_ids.{i}", reason=f"no pilot {pid!r} in project {project}")
        for i, pid in enumerate(ids)
        if pid not in found or found[pid].project_code != project
    ]
    if len(set(ids)) != len(ids):
        errors.append(InvalidParam(name="body.pilot_ids", reason="a pilot is listed twice"))
    if errors:
        raise UnprocessableContent(errors[0].reason, slug="invalid-establishment", errors=errors)
    if not all(scope.may_edit(p) for p in found.values()):
        raise Forbidden(
            "An establishment record is written by the project manager, an admin or the owner of every pilot it links.",
            slug="not-pilot-owner",
        )
    await _refuse_blocked(scope, ids)


async def _refuse_blocked(scope: Scope, ids: list[str]) -> None:
    latest = await facts.latest_evaluations(scope, ids)
    blocked = {pid: d for pid, d in latest.items() if d.outcome in BLOCKING}
    if blocked:
        raise Conflict(
            "Establishment follows the evaluation decision: "
            + "; ".join(
                f"pilot {pid} was decided {d.outcome} on {d.decided_on}" for pid, d in blocked.items()
            )
            + ". A new evaluation decision (scale_up) is needed first.",
            slug="decision-not-scale-up",
            pilots=sorted(blocked),
        )


def _check_decision(record: Establishment) -> None:
    if record.status != EstablishmentStatus.proposed and not (
        record.decision_date and record.decision_reference
    ):
        raise UnprocessableContent(
            f"Status {record.status} needs the decision's date and reference.",
            slug="decision-missing",
            errors=[
                InvalidParam(name=f"body.{k}", reason=f"required for status {record.status}")
                for k in ("decision_date", "decision_reference")
                if not getattr(record, k)
            ],
        )


def _snapshot(record: Establishment, pilots: list[str]) -> dict[str, Any]:
    return {**{k: getattr(record, k) for k in FIELDS}, "pilot_ids": sorted(pilots)}


async def _insert(scope: Scope, record: Establishment, ids: list[str]) -> Establishment:
    _check_decision(record)
    scope.session.add(record)
    await scope.session.flush()
    for pid in ids:
        scope.session.add(EstablishmentPilot(establishment_id=record.id, pilot_id=pid))
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="establishment",
        entity_id=record.id,
        changes=_snapshot(record, ids),
    )
    await scope.session.flush()
    return record


async def create(scope: Scope, code: str, data: EstablishmentCreate) -> Establishment:
    project = await repository.get_project(scope, code)
    if data.status != EstablishmentStatus.proposed:
        scope.require_manager("Recording an establishment decision")
    await _check_pilots(scope, project.code, data.pilot_ids)
    record = Establishment(
        project_code=project.code,
        **{k: getattr(data, k) for k in FIELDS if k not in ("anchor_kind", "status")},
        anchor_kind=str(data.anchor_kind),
        status=str(data.status),
    )
    return await _insert(scope, record, data.pilot_ids)


async def propose(scope: Scope, pilot: ScopedPilot, proposal: Any) -> Establishment:
    """The record a scale-up decision proposes (the caller, a manager, holds the pilot for writing)."""
    record = Establishment(
        project_code=pilot.row.project_code,
        practice=proposal.practice or pilot.row.title,
        description=proposal.description,
        anchor_kind=str(proposal.anchor_kind),
        anchor_name=proposal.anchor_name,
        status=str(EstablishmentStatus.proposed),
    )
    return await _insert(scope, record, [pilot.id])


async def update(
    scope: Scope, establishment_id: str, data: EstablishmentUpdate, if_match: IfMatch
) -> Establishment:
    """Change the record; status only moves forward: proposed -> decided -> in use."""
    record = await get(scope, establishment_id, for_update=True)
    if_match.check(record.version, label=f"Establishment record {record.id}")
    current = await pilot_ids(scope, record.id)
    await _check_pilots(scope, record.project_code, current)
    if data.pilot_ids is not None:
        await _check_pilots(scope, record.project_code, data.pilot_ids)
    sent = {k: getattr(data, k) for k in data.model_fields_set if k in FIELDS}
    for key in ("practice", "anchor_kind", "anchor_name", "status"):
        if key in sent and sent[key] is None:
            raise UnprocessableContent(
                f"{key} cannot be emptied; leave it out to keep it.",
                errors=[InvalidParam(name=f"body.{key}", reason="required")],
            )
    if "status" in sent:
        old, new = EstablishmentStatus(record.status), EstablishmentStatus(sent["status"])
        if STATUS_ORDER.index(new) < STATUS_ORDER.index(old):
            raise Conflict(
                f"The status moves forward only (proposed -> decided -> in_use); it is {old}.",
                slug="status-backwards",
            )
        if new == EstablishmentStatus.decided and old != new:
            scope.require_manager("Recording an establishment decision")
    before = _snapshot(record, current)
    for key, value in sent.items():
        setattr(record, key, str(value) if isinstance(value, AnchorKind | EstablishmentStatus) else value)
    _check_decision(record)
    new_ids = current if data.pilot_ids is None else data.pilot_ids
    if data.pilot_ids is not None:
        for pid in set(current) - set(new_ids):
            link = await scope.session.get(EstablishmentPilot, (record.id, pid))
            if link is not None:
                await scope.session.delete(link)
        for pid in set(new_ids) - set(current):
            scope.session.add(EstablishmentPilot(establishment_id=record.id, pilot_id=pid))
    changes = diff(before, _snapshot(record, new_ids))
    if changes:
        record.version += 1
        record.updated_at = utcnow()
        scope.session.add(record)
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="update",
            entity_type="establishment",
            entity_id=record.id,
            changes=changes,
        )
    await scope.session.flush()
    return record


async def to_public(scope: Scope, record: Establishment) -> EstablishmentPublic:
    return EstablishmentPublic(
        **{k: getattr(record, k) for k in FIELDS},
        id=record.id,
        project_code=record.project_code,
        pilot_ids=await pilot_ids(scope, record.id),
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
        href=public_url(scope.settings, f"/establishments/{record.id}"),
    )
