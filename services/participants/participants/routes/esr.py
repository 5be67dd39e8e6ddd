"""ESR participant data: ``/esr/participations`` and the indicator export ``/esr/indicators.csv``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy import func
from sqlmodel import col, select

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from participants import esr as domain
from participants.esr_schemas import (
    ParticipationCreate,
    ParticipationExit,
    ParticipationPublic,
    SensitiveFlags,
)
from participants.models import EsrParticipation, EsrSensitiveFlags
from participants.readlog import log_reads
from participants.schemas import ProjectCode

router = APIRouter(prefix="/esr", tags=["esr"])
Manager = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]
Reporter = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager, Role.auditor))]


@router.post(
    "/participations", status_code=201, response_model=ParticipationPublic, summary="Record an ESR entry"
)
async def create_participation(
    data: ParticipationCreate, session: SessionDep, principal: Manager
) -> dict[str, Any]:
    participation = await domain.create(session=session, actor=principal, data=data)
    return domain.public(participation, await domain.snapshots(session, [participation.id]))


@router.post(
    "/participations/{participation_id}/exit", response_model=ParticipationPublic, summary="Record the exit"
)
async def exit_participation(
    participation_id: str, data: ParticipationExit, session: SessionDep, principal: Manager
) -> dict[str, Any]:
    participation = await domain.get_participation(session, participation_id)
    await domain.record_exit(session=session, actor=principal, participation=participation, data=data)
    return domain.public(participation, await domain.snapshots(session, [participation.id]))


@router.get("/participations", response_model=Page[ParticipationPublic], summary="List ESR participations")
async def list_participations(
    session: SessionDep, page: PageDep, principal: Manager, project_code: ProjectCode | None = None
) -> Page[dict[str, Any]]:
    clauses = [col(EsrParticipation.project_code) == project_code] if project_code else []
    total = (await session.exec(select(func.count()).select_from(EsrParticipation).where(*clauses))).one()
    stmt = (
        select(EsrParticipation)
        .where(*clauses)
        .order_by(col(EsrParticipation.entry_date), col(EsrParticipation.id))
    )
    rows = list((await session.exec(stmt.offset(page.offset).limit(page.limit + 1))).all())
    await log_reads(
        session, reader=principal, person_ids=[p.person_id for p in rows[: page.limit]], purpose="esr.list"
    )
    snaps = await domain.snapshots(session, [p.id for p in rows])
    return offset_page([domain.public(p, snaps) for p in rows], page, total)


@router.get(
    "/participations/{participation_id}/sensitive",
    response_model=SensitiveFlags,
    summary="Sensitive flags (admin/project_manager with permission esr_sensitive)",
)
async def get_sensitive(participation_id: str, session: SessionDep, principal: Manager) -> SensitiveFlags:
    domain.require_sensitive(principal)
    participation = await domain.get_participation(session, participation_id)
    await log_reads(session, reader=principal, person_ids=[participation.person_id], purpose="esr.sensitive")
    flags = await session.get(EsrSensitiveFlags, participation_id)
    return SensitiveFlags.model_validate(flags) if flags else SensitiveFlags()


@router.put(
    "/participations/{participation_id}/sensitive",
    response_model=SensitiveFlags,
    summary="Set sensitive flags (admin/project_manager with permission esr_sensitive)",
)
async def put_sensitive(
    participation_id: str, data: SensitiveFlags, session: SessionDep, principal: Manager
) -> SensitiveFlags:
    domain.require_sensitive(principal)
    participation = await domain.get_participation(session, participation_id)
    await domain.set_sensitive(session=session, actor=principal, participation=participation, data=data)
    return data


@router.get(
    "/indicators.csv",
    summary="ESR indicators by gender (CSV); sensitive rows only with esr_sensitive",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def indicators(session: SessionDep, principal: Reporter, project_code: ProjectCode) -> Response:
    body = await domain.indicators_csv(
        session, project_code, sensitive=domain.may_handle_sensitive(principal)
    )
    return Response(
        content=body.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="esr-indicators-{project_code}.csv"'},
    )
