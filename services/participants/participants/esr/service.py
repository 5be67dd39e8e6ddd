"""ESR participant data: one participation per person per project, entry and exit snapshots, sensitive
flags behind their own permission, and the indicator export by gender.

Sensitive flags (migrant background, disability, other disadvantage) need role ``admin`` or
``project_manager`` AND the explicit permission ``esr_sensitive`` in the token's ``permissions``
claim: a role alone is not enough, so the identity provider grants the few people who report them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal, Role
from hanke_libs.paging import PageParams
from hanke_libs.problems import Conflict, Forbidden, NotFound, UnprocessableContent
from participants.access import is_manager
from participants.db import audit
from participants.esr.schemas import (
    AgeGroup,
    Gender,
    Isced,
    LabourStatus,
    ParticipationCreate,
    ParticipationExit,
    SensitiveFlags,
)
from participants.models import EsrParticipation, EsrSensitiveFlags, EsrSnapshot
from participants.people.repository import People, active_person

SENSITIVE_PERMISSION = "esr_sensitive"


def may_handle_sensitive(principal: Principal) -> bool:
    permissions = principal.claims.get("permissions") or []
    if isinstance(permissions, str):
        permissions = permissions.split()
    return principal.has(Role.admin, Role.project_manager) and SENSITIVE_PERMISSION in permissions


def require_sensitive(principal: Principal) -> None:
    if not may_handle_sensitive(principal):
        raise Forbidden(
            "Sensitive ESR flags need role admin or project_manager and the permission esr_sensitive.",
            slug="sensitive-permission-required",
        )


def require_manager(principal: Principal) -> None:
    if not is_manager(principal):
        raise Forbidden("ESR participant data is handled by admin or project_manager.")


async def get_participation(
    session: AsyncSession, principal: Principal, participation_id: str, *, lock: bool = False
) -> EsrParticipation:
    """A participation the caller may handle (admin, project_manager)."""
    require_manager(principal)
    stmt = select(EsrParticipation).where(EsrParticipation.id == participation_id)
    participation = (await session.exec(stmt.with_for_update() if lock else stmt)).first()
    if participation is None:
        raise NotFound(f"No ESR participation {participation_id}.")
    await People(session, principal).logged_ids([participation.person_id], "esr.read")
    return participation


async def page(
    session: AsyncSession, principal: Principal, project_code: str | None, params: PageParams
) -> tuple[list[EsrParticipation], int]:
    """A page of participations (admin, project_manager), logged as read."""
    require_manager(principal)
    clauses = [col(EsrParticipation.project_code) == project_code] if project_code else []
    total = (await session.exec(select(func.count()).select_from(EsrParticipation).where(*clauses))).one()
    stmt = (
        select(EsrParticipation)
        .where(*clauses)
        .order_by(col(EsrParticipation.entry_date), col(EsrParticipation.id))
        .offset(params.offset)
        .limit(params.limit + 1)
    )
    rows = list((await session.exec(stmt)).all())
    await People(session, principal).logged_ids([p.person_id for p in rows[: params.limit]], "esr.list")
    return rows, total


async def sensitive_flags(
    session: AsyncSession, principal: Principal, participation_id: str
) -> SensitiveFlags:
    """The sensitive flags (admin/project_manager with esr_sensitive), logged as read."""
    require_sensitive(principal)
    participation = await get_participation(session, principal, participation_id)
    await People(session, principal).logged_ids([participation.person_id], "esr.sensitive")
    flags = await session.get(EsrSensitiveFlags, participation_id)
    return SensitiveFlags.model_validate(flags) if flags else SensitiveFlags()


async def create(*, session: AsyncSession, actor: Principal, data: ParticipationCreate) -> EsrParticipation:
    require_manager(actor)
    await active_person(session, data.person_id)
    duplicate = await session.exec(
        select(EsrParticipation).where(
            EsrParticipation.person_id == data.person_id, EsrParticipation.project_code == data.project_code
        )
    )
    if duplicate.first():
        raise Conflict("The person already has a participation in this project.", slug="participation-exists")
    participation = EsrParticipation(
        person_id=data.person_id, project_code=data.project_code, entry_date=data.entry_date
    )
    session.add(participation)
    await session.flush()
    session.add(
        EsrSnapshot(participation_id=participation.id, moment="entry", **data.entry.model_dump(mode="json"))
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="esr_participation",
        entity_id=participation.id,
        changes=data.model_dump(mode="json"),
    )
    return participation


async def record_exit(
    *, session: AsyncSession, actor: Principal, participation: EsrParticipation, data: ParticipationExit
) -> None:
    if participation.exit_date is not None:
        raise Conflict("The participation has already ended.", slug="participation-ended")
    if data.exit_date < participation.entry_date:
        raise UnprocessableContent("The exit is before the entry.", slug="invalid-dates")
    participation.exit_date = data.exit_date
    session.add(participation)
    session.add(
        EsrSnapshot(participation_id=participation.id, moment="exit", **data.snapshot.model_dump(mode="json"))
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="exit",
        entity_type="esr_participation",
        entity_id=participation.id,
        changes=data.model_dump(mode="json"),
    )


async def set_sensitive(
    *, session: AsyncSession, actor: Principal, participation: EsrParticipation, data: SensitiveFlags
) -> None:
    require_sensitive(actor)
    flags = await session.get(EsrSensitiveFlags, participation.id) or EsrSensitiveFlags(
        participation_id=participation.id
    )
    before = SensitiveFlags.model_validate(flags).model_dump()
    for key, value in data.model_dump().items():
        setattr(flags, key, value)
    session.add(flags)
    await session.flush()
    # the audit names which flags changed, never their values
    changed = sorted(k for k, v in data.model_dump().items() if before.get(k) != v)
    await audit.record(
        session,
        actor=actor,
        action="sensitive_flags",
        entity_type="esr_participation",
        entity_id=participation.id,
        changes={"changed_flags": changed},
    )


async def snapshots(session: AsyncSession, ids: list[str]) -> dict[tuple[str, str], EsrSnapshot]:
    if not ids:
        return {}
    rows = await session.exec(select(EsrSnapshot).where(col(EsrSnapshot.participation_id).in_(ids)))
    return {(s.participation_id, s.moment): s for s in rows.all()}


def public(participation: EsrParticipation, snaps: dict[tuple[str, str], EsrSnapshot]) -> dict[str, Any]:
    return {
        **participation.model_dump(),
        "entry": snaps.get((participation.id, "entry")),
        "exit": snaps.get((participation.id, "exit")),
    }


async def indicators_csv(session: AsyncSession, principal: Principal, project_code: str) -> str:
    """The ESR indicators of a project by gender (at entry), as ``;``-separated CSV with a header.

    This is the funder's report: exact counts, small ones included, for admin, project_manager and
    the auditor only (who verifies the report against the participations). Each export is recorded
    in the audit trail (who, which project, with or without the sensitive rows).
    """
    if not principal.has(Role.admin, Role.project_manager, Role.auditor):
        raise Forbidden("The ESR indicator report is for admin, project_manager and the auditor.")
    sensitive = may_handle_sensitive(principal)
    await audit.record(
        session,
        actor=principal,
        action="esr.indicators_export",
        entity_type="project",
        entity_id=project_code,
        changes={"sensitive_rows": sensitive},
    )
    participations = list(
        (
            await session.exec(
                select(EsrParticipation)
                .where(EsrParticipation.project_code == project_code)
                .order_by(col(EsrParticipation.id))
            )
        ).all()
    )
    snaps = await snapshots(session, [p.id for p in participations])
    flags: dict[str, EsrSensitiveFlags] = {}
    if sensitive and participations:
        rows = await session.exec(
            select(EsrSensitiveFlags).where(
                col(EsrSensitiveFlags.participation_id).in_([p.id for p in participations])
            )
        )
        flags = {f.participation_id: f for f in rows.all()}
    counts: Counter[tuple[str, str]] = Counter()
    for p in participations:
        entry = snaps.get((p.id, "entry"))
        if entry is None:
            continue
        g = entry.gender
        counts[("participants", g)] += 1
        counts[(f"age_group:{entry.age_group}", g)] += 1
        counts[(f"labour_status_at_entry:{entry.labour_status}", g)] += 1
        counts[(f"isced_at_entry:{entry.isced}", g)] += 1
        exit_ = snaps.get((p.id, "exit"))
        if exit_ is not None:
            counts[("exited", g)] += 1
            counts[(f"labour_status_at_exit:{exit_.labour_status}", g)] += 1
            if exit_.isced != entry.isced:
                counts[("education_level_raised_by_exit", g)] += 1
        f = flags.get(p.id)
        if f is not None:
            for name in ("migrant_background", "disability", "other_disadvantage"):
                if getattr(f, name):
                    counts[(f"sensitive:{name}", g)] += 1
    indicators = ["participants", "exited"]
    indicators += [f"age_group:{a.value}" for a in AgeGroup]
    indicators += [f"labour_status_at_entry:{s.value}" for s in LabourStatus]
    indicators += [f"labour_status_at_exit:{s.value}" for s in LabourStatus]
    indicators += [f"isced_at_entry:{i.value}" for i in Isced]
    indicators += ["education_level_raised_by_exit"]
    if sensitive:
        indicators += ["sensitive:migrant_background", "sensitive:disability", "sensitive:other_disadvantage"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    genders = [g.value for g in Gender]
    writer.writerow(["project_code", "indicator", *genders, "total"])
    for indicator in indicators:
        values = [counts[(indicator, g)] for g in genders]
        writer.writerow([project_code, indicator, *values, sum(values)])
    return out.getvalue()
