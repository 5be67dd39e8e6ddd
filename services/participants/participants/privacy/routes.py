"""Data protection: the caller's own data (``/me``), right of access (``/me/export``,
``/people/{id}/export``), pseudonymisation and the read log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.inputs import StrictDate
from hanke_libs.paging import Page, PageDep, keyset_page
from participants.access import Admin, Manager, NotHrSync
from participants.people.repository import People
from participants.people.schemas import PersonPublic
from participants.privacy import service
from participants.privacy.readlog import read_log_page
from participants.privacy.schemas import Me, PseudonymisedMany, PseudonymiseRequest, ReadLogEntry

router = APIRouter(tags=["data protection"])
Auditor = Annotated[Principal, Depends(require_roles(Role.auditor, Role.admin))]


@router.get(
    "/me",
    response_model=Me,
    summary="My own data",
    description="The caller's person, champion enrolments, coaching received and own answers (any role but "
    "hr_sync). The read is logged.",
)
async def me(session: SessionDep, principal: NotHrSync) -> dict[str, Any]:
    people = People(session, principal)
    person = await people.caller()
    await people.logged([person], "me")
    return await service.own_data(session, principal, person)


@router.get(
    "/me/export",
    summary="Right of access: all of my data",
    description="Everything the service holds about the caller, including who has read it (GDPR art. 15).",
)
async def export_me(session: SessionDep, principal: NotHrSync) -> dict[str, Any]:
    people = People(session, principal)
    person = await people.caller()
    await people.logged([person], "access export")
    return await service.access_export(session, principal, person)


@router.get(
    "/people/{person_id}/export",
    summary="Right of access export of a person",
    description="Everything the service holds about a person (admin, project_manager), for answering a "
    "data subject's request. The read is logged.",
)
async def export_person(person_id: str, session: SessionDep, principal: Manager) -> dict[str, Any]:
    person = await People(session, principal).read(person_id, "access export")
    return await service.access_export(session, principal, person)


@router.post(
    "/people/{person_id}/pseudonymise",
    response_model=PersonPublic,
    summary="Pseudonymise a person (erasure)",
    description="Blank everything that identifies the person, keeping the rows aggregates and ESR reports "
    "count (admin). Idempotent.",
)
async def pseudonymise_person(
    person_id: str, data: PseudonymiseRequest, session: SessionDep, principal: Admin
) -> Any:
    person = await People(session, principal).for_update(person_id)
    await service.pseudonymise(session=session, actor=principal, person=person, reason=data.reason)
    return person


@router.post(
    "/people/pseudonymise-ended",
    response_model=PseudonymisedMany,
    summary="End of retention: pseudonymise leavers",
    description="Pseudonymise inactive people whose employment ended before `ended_before` (admin).",
)
async def pseudonymise_ended(
    session: SessionDep, principal: Admin, ended_before: Annotated[StrictDate, Query()]
) -> PseudonymisedMany:
    done = await service.pseudonymise_ended(session=session, actor=principal, ended_before=ended_before)
    return PseudonymisedMany(pseudonymised=done)


@router.get(
    "/read-log",
    response_model=Page[ReadLogEntry],
    summary="The person read log",
    description="Who read whose personal data, when (auditor, admin); keyset-paged by `cursor`.",
)
async def read_log(
    session: SessionDep,
    page: PageDep,
    principal: Auditor,
    person_id: Annotated[str | None, Query(max_length=36)] = None,
    reader: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ReadLogEntry]:
    rows = await read_log_page(session, principal, page, person_id=person_id, reader=reader)
    items = [ReadLogEntry.model_validate(r, from_attributes=True) for r in rows]
    return keyset_page(items, page, key=lambda e: [e.id])
