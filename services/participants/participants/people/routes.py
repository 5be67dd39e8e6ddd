"""People, org units and sectors (read): ``/people``, ``/people/{id}``, ``/people/{id}/reference``,
``/org-units``, ``/sectors``. Every read of a person's data is written to the read log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from hanke_libs.auth import request_principal
from hanke_libs.db import SessionDep
from hanke_libs.leanroute import LeanRoute, lean
from hanke_libs.paging import Page, PageDep, offset_page, page_params
from hanke_libs.personal import redact_for
from participants.access import Manager, NotHrSync, Staff, manager, not_hr_sync
from participants.people import hot
from participants.people.repository import People
from participants.people.schemas import (
    ORG_UNIT_ID_MAX_LENGTH,
    Q_MAX_LENGTH,
    OrgUnitPublic,
    PeopleQuery,
    PersonPublic,
    PersonReference,
    SectorPublic,
)

router = APIRouter(tags=["people"], route_class=LeanRoute)


async def _list_people_lean(request: Request) -> Response:
    """``list_people`` with no query string, its dependencies called directly (hanke_libs.leanroute)."""
    principal = await manager(await request_principal(request))
    return await list_people(request, await page_params(request), principal)


@router.get(
    "/people",
    response_model=Page[PersonPublic],
    summary="The people, a page at a time",
    description="People from HR (admin, project_manager), by family name; `q` matches an employee "
    "number exactly or a user name, display name or family name in part. Every listed person's read "
    "is written to the read log.",
)
@lean(_list_people_lean)
async def list_people(
    request: Request,
    page: PageDep,
    principal: Manager,
    q: Annotated[str | None, Query(max_length=Q_MAX_LENGTH)] = None,
    active: bool | None = None,
    org_unit_id: Annotated[str | None, Query(max_length=ORG_UNIT_ID_MAX_LENGTH)] = None,
) -> Response:
    """A hot read on PostgreSQL: one statement reads the page and logs it (people.hot). The filter is
    PeopleQuery's fields as plain query parameters (the same constraints, the same OpenAPI document and
    422 problems): FastAPI's query-parameter model cost 0.1-0.7 ms more per request in-process."""
    query = PeopleQuery(q=q, active=active, org_unit_id=org_unit_id)
    body = await hot.read_page(db=request.app.state.db, principal=principal, query=query, page=page)
    return _json(body)


async def _get_person_lean(request: Request, person_id: str) -> Response:
    """``get_person`` with its dependencies called directly (hanke_libs.leanroute)."""
    return await get_person(person_id, request, await not_hr_sync(await request_principal(request)))


@router.get(
    "/people/{person_id}",
    response_model=PersonPublic,
    summary="Read a person",
    description="One person (admin, project_manager, or the person themself); the read is logged.",
)
@lean(_get_person_lean)
async def get_person(person_id: str, request: Request, principal: NotHrSync) -> Response:
    """A hot read on PostgreSQL: one statement reads the person and logs it (people.hot)."""
    return _json(await hot.read_person(db=request.app.state.db, principal=principal, person_id=person_id))


def _json(body: BaseModel) -> Response:
    """The body serialised once, as its ``response_model`` would serialise it."""
    return Response(body.__pydantic_serializer__.to_json(body), media_type="application/json")


@router.get(
    "/people/{person_id}/reference",
    response_model=PersonReference,
    summary="Check a person reference",
    description="Whether a person id exists and is active, for another service checking a person id "
    "when it is written (admin, project_manager, pilot_owner, finance). No personal data; 404 problem "
    "when there is no such person.",
)
async def person_reference(person_id: str, session: SessionDep, principal: Staff) -> PersonReference:
    person = await People(session, principal).reference(person_id)
    return PersonReference(id=person.id, active=person.active)


@router.get(
    "/org-units",
    response_model=Page[OrgUnitPublic],
    summary="The organisation units, a page at a time",
    description="The org unit hierarchy from HR, by code. The manager's person id is personal data: "
    "steering sees it as null.",
)
async def list_org_units(session: SessionDep, page: PageDep, principal: NotHrSync) -> Page[OrgUnitPublic]:
    rows, total = await People(session, principal).org_units(page)
    items = [redact_for(principal, OrgUnitPublic.model_validate(u)) for u in rows]
    return offset_page(items, page, total)


@router.get(
    "/sectors",
    response_model=Page[SectorPublic],
    summary="List administrative sectors",
    description="Administrative sectors (toimialat / palvelualueet) with their validity dates, by code.",
)
async def list_sectors(session: SessionDep, page: PageDep, principal: NotHrSync) -> Page[SectorPublic]:
    rows, total = await People(session, principal).sectors(page)
    return offset_page([SectorPublic.model_validate(s) for s in rows], page, total)
