"""Establishment records (vakiinnuttaminen): a practice from pilots, where it lives, its status."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, NotFound, UnprocessableContent
from pilots.access import can_edit
from pilots.models import Establishment, EstablishmentPilot, Pilot, Project, audit
from pilots.models.types import utcnow
from pilots.schemas.common import AnchorKind, EstablishmentStatus
from pilots.schemas.timeline import EstablishmentCreate, EstablishmentPublic, EstablishmentUpdate

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


async def get(session: AsyncSession, establishment_id: str) -> Establishment:
    record = await session.get(Establishment, establishment_id)
    if record is None:
        raise NotFound(f"No establishment record {establishment_id!r}.", slug="establishment-not-found")
    return record


async def pilot_ids(session: AsyncSession, establishment_id: str) -> list[str]:
    stmt = (
        select(EstablishmentPilot.pilot_id)
        .where(EstablishmentPilot.establishment_id == establishment_id)
        .order_by(col(EstablishmentPilot.pilot_id))
    )
    return list((await session.exec(stmt)).all())


async def _check_pilots(session: AsyncSession, principal: Principal, project: str, ids: list[str]) -> None:
    """Every pilot exists in the project and the caller may edit each of them."""
    found = {p.id: p for p in (await session.exec(select(Pilot).where(col(Pilot.id).in_(ids)))).all()}
    errors = [
        InvalidParam(name=f"body.pilot_ids.{i}", reason=f"no pilot {pid!r} in project {project}")
        for i, pid in enumerate(ids)
        if pid not in found or found[pid].project_code != project
    ]
    if len(set(ids)) != len(ids):
        errors.append(InvalidParam(name="body.pilot_ids", reason="a pilot is listed twice"))
    if errors:
        raise UnprocessableContent(errors[0].reason, slug="invalid-establishment", errors=errors)
    if not all(can_edit(principal, p) for p in found.values()):
        raise Forbidden(
            "An establishment record is written by the project manager, an admin or the owner of every "
            "pilot it links.",
            slug="not-pilot-owner",
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


async def create(
    *, session: AsyncSession, principal: Principal, project: Project, data: EstablishmentCreate
) -> Establishment:
    await _check_pilots(session, principal, project.code, data.pilot_ids)
    record = Establishment(
        project_code=project.code,
        **{k: getattr(data, k) for k in FIELDS if k not in ("anchor_kind", "status")},
        anchor_kind=str(data.anchor_kind),
        status=str(data.status),
    )
    _check_decision(record)
    session.add(record)
    await session.flush()
    for pid in data.pilot_ids:
        session.add(EstablishmentPilot(establishment_id=record.id, pilot_id=pid))
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="establishment",
        entity_id=record.id,
        changes=_snapshot(record, data.pilot_ids),
    )
    await session.flush()
    return record


async def update(
    *, session: AsyncSession, principal: Principal, record: Establishment, data: EstablishmentUpdate
) -> Establishment:
    """Change the record; status only moves forward: proposed -> decided -> in use."""
    current = await pilot_ids(session, record.id)
    await _check_pilots(session, principal, record.project_code, current)
    if data.pilot_ids is not None:
        await _check_pilots(session, principal, record.project_code, data.pilot_ids)
    sent = {k: getattr(data, k) for k in data.model_fields_set if k in FIELDS}
    for key in ("practice", "anchor_kind", "anchor_name", "status"):
        if key in sent and sent[key] is None:
            raise UnprocessableContent(
                f"{key} cannot be emptied.", errors=[InvalidParam(name=f"body.{key}", reason="required")]
            )
    if "status" in sent:
        old, new = EstablishmentStatus(record.status), EstablishmentStatus(sent["status"])
        if STATUS_ORDER.index(new) < STATUS_ORDER.index(old):
            raise Conflict(
                f"The status moves forward only (proposed -> decided -> in_use); it is {old}.",
                slug="status-backwards",
            )
    before = _snapshot(record, current)
    for key, value in sent.items():
        setattr(record, key, str(value) if isinstance(value, AnchorKind | EstablishmentStatus) else value)
    _check_decision(record)
    new_ids = current if data.pilot_ids is None else data.pilot_ids
    if data.pilot_ids is not None:
        for pid in set(current) - set(new_ids):
            link = await session.get(EstablishmentPilot, (record.id, pid))
            if link is not None:
                await session.delete(link)
        for pid in set(new_ids) - set(current):
            session.add(EstablishmentPilot(establishment_id=record.id, pilot_id=pid))
    changes = diff(before, _snapshot(record, new_ids))
    if changes:
        record.version += 1
        record.updated_at = utcnow()
        session.add(record)
        await audit.record(
            session,
            actor=principal,
            action="update",
            entity_type="establishment",
            entity_id=record.id,
            changes=changes,
        )
    await session.flush()
    return record


async def to_public(session: AsyncSession, record: Establishment) -> EstablishmentPublic:
    return EstablishmentPublic(
        **{k: getattr(record, k) for k in FIELDS},
        id=record.id,
        project_code=record.project_code,
        pilot_ids=await pilot_ids(session, record.id),
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
