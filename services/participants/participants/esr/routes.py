"""ESR participant data: ``/esr/participations`` and the indicator report ``/esr/indicators.csv``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.links import public_url
from hanke_libs.paging import Page, PageDep, offset_page
from participants.access import Manager
from participants.esr import service
from participants.esr.schemas import (
    ParticipationCreate,
    ParticipationExit,
    ParticipationPublic,
    SensitiveFlags,
)
from participants.schemas import ProjectCode

router = APIRouter(prefix="/esr", tags=["esr"])
Reporter = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager, Role.auditor))]


@router.post(
    "/participations",
    status_code=201,
    response_model=ParticipationPublic,
    summary="Record an ESR entry",
    description="One participation per person per project, with the entry snapshot (admin, project_manager).",
)
async def create_participation(
    data: ParticipationCreate, request: Request, response: Response, session: SessionDep, principal: Manager
) -> dict[str, Any]:
    participation = await service.create(session=session, actor=principal, data=data)
    response.headers["Location"] = public_url(
        request.app.state.settings, f"/esr/participations/{participation.id}"
    )
    return service.public(participation, await service.snapshots(session, [participation.id]))


@router.get(
    "/participations/{participation_id}",
    response_model=ParticipationPublic,
    summary="Read an ESR participation",
    description="One participation with its entry and exit snapshots (admin, project_manager); logged.",
)
async def get_participation(participation_id: str, session: SessionDep, principal: Manager) -> dict[str, Any]:
    participation = await service.get_participation(session, principal, participation_id)
    return service.public(participation, await service.snapshots(session, [participation.id]))


@router.post(
    "/participations/{participation_id}/exit",
    response_model=ParticipationPublic,
    summary="Record the ESR exit",
    description="The exit date and the exit snapshot (admin, project_manager); once only.",
)
async def exit_participation(
    participation_id: str, data: ParticipationExit, session: SessionDep, principal: Manager
) -> dict[str, Any]:
    participation = await service.get_participation(session, principal, participation_id, lock=True)
    await service.record_exit(session=session, actor=principal, participation=participation, data=data)
    return service.public(participation, await service.snapshots(session, [participation.id]))


@router.get(
    "/participations",
    response_model=Page[ParticipationPublic],
    summary="List ESR participations",
    description="Participations by entry date (admin, project_manager); every listed person's read is logged.",
)
async def list_participations(
    session: SessionDep, page: PageDep, principal: Manager, project_code: ProjectCode | None = None
) -> Page[dict[str, Any]]:
    rows, total = await service.page(session, principal, project_code, page)
    snaps = await service.snapshots(session, [p.id for p in rows])
    return offset_page([service.public(p, snaps) for p in rows], page, total)


@router.get(
    "/participations/{participation_id}/sensitive",
    response_model=SensitiveFlags,
    summary="Read the sensitive ESR flags",
    description="Migrant background, disability, other disadvantage: admin or project_manager with the "
    "permission esr_sensitive in the token; the read is logged.",
)
async def get_sensitive(participation_id: str, session: SessionDep, principal: Manager) -> SensitiveFlags:
    return await service.sensitive_flags(session, principal, participation_id)


@router.put(
    "/participations/{participation_id}/sensitive",
    response_model=SensitiveFlags,
    summary="Set the sensitive ESR flags",
    description="Admin or project_manager with the permission esr_sensitive; the audit names which flags "
    "changed, never their values.",
)
async def put_sensitive(
    participation_id: str, data: SensitiveFlags, session: SessionDep, principal: Manager
) -> SensitiveFlags:
    service.require_sensitive(principal)
    participation = await service.get_participation(session, principal, participation_id, lock=True)
    await service.set_sensitive(session=session, actor=principal, participation=participation, data=data)
    return data


@router.get(
    "/indicators.csv",
    summary="ESR indicator report by gender (CSV)",
    description="The funder's report of a project: exact counts by gender, small ones included (admin, "
    "project_manager, auditor: an intended access, each export recorded in the audit trail); the sensitive "
    "rows only with the permission esr_sensitive.",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def indicators(session: SessionDep, principal: Reporter, project_code: ProjectCode) -> Response:
    body = await service.indicators_csv(session, principal, project_code)
    return Response(
        content=body.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="esr-indicators-{project_code}.csv"'},
    )
