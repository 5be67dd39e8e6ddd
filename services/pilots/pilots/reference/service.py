"""Reference data: projects, sectors and indicator kinds (reads for every staff role, writes by managers)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, func, or_, select

from hanke_libs.audit import diff
from hanke_libs.links import public_url
from hanke_libs.problems import Conflict, InvalidParam, NotFound, UnprocessableContent
from pilots.models import Establishment, IndicatorKind, Pilot, Project, Sector, audit
from pilots.reference.schemas import (
    IndicatorKindPublic,
    PilotProjectPublic,
    ProjectCreate,
    SectorCreate,
    SectorPublic,
    SectorUpdate,
)
from pilots.scope import Scope


async def project_public(scope: Scope, project: Project) -> PilotProjectPublic:
    count = (
        await scope.session.exec(
            select(func.count()).select_from(Pilot).where(Pilot.project_code == project.code)
        )
    ).one()
    return PilotProjectPublic(
        **project.model_dump(),
        pilots=int(count),
        href=public_url(scope.settings, f"/projects/{project.code}"),
    )


async def list_projects(scope: Scope, *, offset: int, limit: int) -> tuple[list[PilotProjectPublic], int]:
    scope.require_title_role()
    total = int((await scope.session.exec(select(func.count()).select_from(Project))).one())
    rows = (
        await scope.session.exec(select(Project).order_by(col(Project.code)).offset(offset).limit(limit))
    ).all()
    return [await project_public(scope, p) for p in rows], total


async def read_project(scope: Scope, code: str) -> PilotProjectPublic:
    scope.require_title_role()
    project = await scope.session.get(Project, code)
    if project is None:
        raise NotFound(f"No project with code {code!r}.", slug="project-not-found")
    return await project_public(scope, project)


async def create_project(scope: Scope, body: ProjectCreate) -> PilotProjectPublic:
    if await scope.session.get(Project, body.code) is not None:
        raise Conflict(f"Project {body.code} exists already.", slug="duplicate-project")
    project = Project(**body.model_dump())
    scope.session.add(project)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="project",
        entity_id=project.code,
        changes=body.model_dump(),
    )
    return await project_public(scope, project)


async def delete_empty_project(scope: Scope, code: str) -> None:
    """Remove a project reference no pilot or establishment belongs to (409 otherwise); the gateway's
    one-call create uses it to undo its step here when a later one fails (ADR 0010)."""
    project = await scope.session.get(Project, code)
    if project is None:
        raise NotFound(f"No project with code {code!r}.", slug="project-not-found")
    held = []
    for label, model in (("pilots", Pilot), ("establishments", Establishment)):
        stmt = select(func.count()).select_from(model).where(model.project_code == code)  # type: ignore[attr-defined]
        count = int((await scope.session.exec(stmt)).one())
        if count:
            held.append(f"{count} {label}")
    if held:
        raise Conflict(
            f"Project {code} holds data ({', '.join(held)}): only a project with no pilots can be removed.",
            slug="project-not-empty",
        )
    await scope.session.delete(project)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="delete",
        entity_type="project",
        entity_id=code,
        changes={},
    )


def sector_public(scope: Scope, sector: Sector) -> SectorPublic:
    return SectorPublic(
        code=sector.code,
        name_fi=sector.name_fi,
        name_en=sector.name_en,
        valid_from=sector.valid_from,
        valid_to=sector.valid_to,
        href=public_url(scope.settings, f"/sectors/{sector.code}"),
    )


async def list_sectors(
    scope: Scope, *, valid_on: dt.date | None, offset: int, limit: int
) -> tuple[list[SectorPublic], int]:
    scope.require_read_role()
    stmt = select(Sector)
    if valid_on is not None:
        stmt = stmt.where(
            or_(col(Sector.valid_from).is_(None), col(Sector.valid_from) <= valid_on),
            or_(col(Sector.valid_to).is_(None), col(Sector.valid_to) >= valid_on),
        )
    total = int((await scope.session.exec(select(func.count()).select_from(stmt.subquery()))).one())
    rows = (await scope.session.exec(stmt.order_by(col(Sector.code)).offset(offset).limit(limit))).all()
    return [sector_public(scope, r) for r in rows], total


async def _sector(scope: Scope, code: str) -> Sector:
    sector = await scope.session.get(Sector, code)
    if sector is None:
        raise NotFound(f"No sector {code!r}.", slug="sector-not-found")
    return sector


async def read_sector(scope: Scope, code: str) -> SectorPublic:
    scope.require_read_role()
    return sector_public(scope, await _sector(scope, code))


async def create_sector(scope: Scope, body: SectorCreate) -> SectorPublic:
    if await scope.session.get(Sector, body.code) is not None:
        raise Conflict(f"Sector {body.code} exists already.", slug="duplicate-sector")
    sector = Sector(**body.model_dump())
    scope.session.add(sector)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="sector",
        entity_id=sector.code,
        changes=body.model_dump(),
    )
    return sector_public(scope, sector)


async def update_sector(scope: Scope, code: str, body: SectorUpdate) -> SectorPublic:
    """Pilots keep the sectors they had: ending a sector does not remove it from any pilot."""
    sector = await _sector(scope, code)
    before = sector.model_dump()
    for key in body.model_fields_set:
        value = getattr(body, key)
        if value is None and key in ("name_fi", "name_en"):
            raise UnprocessableContent(
                f"{key} cannot be emptied; leave it out to keep it.",
                errors=[InvalidParam(name=f"body.{key}", reason="required")],
            )
        setattr(sector, key, value)
    if sector.valid_from and sector.valid_to and sector.valid_to < sector.valid_from:
        raise UnprocessableContent(
            "valid_to is before valid_from.",
            slug="invalid-sector",
            errors=[InvalidParam(name="body.valid_to", reason="before valid_from")],
        )
    changes = diff(before, sector.model_dump())
    if changes:
        scope.session.add(sector)
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="update",
            entity_type="sector",
            entity_id=code,
            changes=changes,
        )
    return sector_public(scope, sector)


async def list_kinds(scope: Scope, *, offset: int, limit: int) -> tuple[list[IndicatorKindPublic], int]:
    scope.require_read_role()
    total = int((await scope.session.exec(select(func.count()).select_from(IndicatorKind))).one())
    rows = (
        await scope.session.exec(
            select(IndicatorKind)
            .order_by(col(IndicatorKind.sort_order), col(IndicatorKind.code))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return [IndicatorKindPublic.model_validate(r, from_attributes=True) for r in rows], total
