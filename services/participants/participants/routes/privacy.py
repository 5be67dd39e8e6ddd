"""Data protection endpoints: right of access (``/me/export``, ``/people/{id}/export``) and
pseudonymisation (``/people/{id}/pseudonymise``, ``/people/pseudonymise-ended``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.problems import NotFound
from participants import privacy
from participants.models import Person
from participants.readlog import log_reads
from participants.routes.me import NotHrSync, find_caller
from participants.schemas import PersonPublic

router = APIRouter(tags=["data protection"])
Manager = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]


class PseudonymiseRequest(BaseModel):
    reason: str = Field(default="erasure request", min_length=1, max_length=200)


class PseudonymisedMany(BaseModel):
    pseudonymised: list[str]


@router.get("/me/export", summary="Right of access: all of the caller's own data")
async def export_me(session: SessionDep, principal: NotHrSync) -> dict[str, Any]:
    person = await find_caller(session, principal)
    await log_reads(session, reader=principal, person_ids=[person.id], purpose="access export")
    return await privacy.access_export(session, person)


@router.get(
    "/people/{person_id}/export", summary="Right of access export of a person (admin, project_manager)"
)
async def export_person(person_id: str, session: SessionDep, principal: Manager) -> dict[str, Any]:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    await log_reads(session, reader=principal, person_ids=[person.id], purpose="access export")
    return await privacy.access_export(session, person)


@router.post(
    "/people/{person_id}/pseudonymise",
    response_model=PersonPublic,
    summary="Erasure: pseudonymise a person, keeping aggregates and ESR counts (admin)",
)
async def pseudonymise_person(
    person_id: str, data: PseudonymiseRequest, session: SessionDep, principal: Admin
) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    await privacy.pseudonymise(session=session, actor=principal, person=person, reason=data.reason)
    return person


@router.post(
    "/people/pseudonymise-ended",
    response_model=PseudonymisedMany,
    summary="End of retention: pseudonymise people whose employment ended before a date (admin)",
)
async def pseudonymise_ended(
    session: SessionDep, principal: Admin, ended_before: Annotated[dt.date, Query()]
) -> PseudonymisedMany:
    done = await privacy.pseudonymise_ended(session=session, actor=principal, ended_before=ended_before)
    return PseudonymisedMany(pseudonymised=done)
