"""People, org units and sectors (read): ``/people``, ``/people/{id}``, ``/org-units``, ``/sectors``.

Every read of a person's data is written to the read log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, or_
from sqlmodel import col, select

from hanke_libs.auth import CurrentPrincipal, Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.problems import Forbidden, NotFound
from participants.models import OrgUnit, Person, Sector
from participants.readlog import log_reads
from participants.schemas import OrgUnitPublic, PersonPublic, SectorPublic

router = APIRouter(tags=["people"])
Manager = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]
NOT_HR_SYNC = (
    Role.admin,
    Role.project_manager,
    Role.finance,
    Role.pilot_owner,
    Role.champion,
    Role.steering,
    Role.auditor,
)
Staff = Annotated[Principal, Depends(require_roles(*NOT_HR_SYNC))]


@router.get("/people", response_model=Page[PersonPublic], summary="List people (admin, project_manager)")
async def list_people(
    session: SessionDep,
    page: PageDep,
    principal: Manager,
    q: Annotated[str | None, Query(max_length=200, description="Employee number, name or e-mail")] = None,
    active: bool | None = None,
    org_unit_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[PersonPublic]:
    clauses = []
    if q:
        like = f"%{q.lower()}%"
        clauses.append(
            or_(
                col(Person.employee_number) == q,
                col(Person.user_name_key).like(like),
                func.lower(Person.display_name).like(like),
                func.lower(Person.family_name).like(like),
            )
        )
    if active is not None:
        clauses.append(col(Person.active) == active)
    if org_unit_id:
        clauses.append(col(Person.org_unit_id) == org_unit_id)
    total = (await session.exec(select(func.count()).select_from(Person).where(*clauses))).one()
    stmt = (
        select(Person)
        .where(*clauses)
        .order_by(col(Person.family_name), col(Person.given_name), col(Person.id))
    )
    rows = list((await session.exec(stmt.offset(page.offset).limit(page.limit + 1))).all())
    await log_reads(
        session, reader=principal, person_ids=[p.id for p in rows[: page.limit]], purpose="people.list"
    )
    return offset_page([PersonPublic.model_validate(p) for p in rows], page, total)


@router.get(
    "/people/{person_id}", response_model=PersonPublic, summary="Read a person (admin, project_manager, self)"
)
async def get_person(person_id: str, session: SessionDep, principal: CurrentPrincipal) -> PersonPublic:
    person = await session.get(Person, person_id)
    is_self = person is not None and is_caller(person, principal)
    if not (principal.has(Role.admin, Role.project_manager) or is_self):
        raise Forbidden("Only admin, project_manager or the person themself may read a person.")
    if person is None:
        raise NotFound(f"No person {person_id}.")
    await log_reads(session, reader=principal, person_ids=[person.id], purpose="people.read")
    return PersonPublic.model_validate(person)


def is_caller(person: Person, principal: Principal) -> bool:
    """Whether ``person`` is the caller: by person id, or by external id / user name == subject."""
    return person.id == principal.person_id or principal.subject in (person.external_id, person.user_name)


@router.get("/org-units", response_model=Page[OrgUnitPublic], summary="List org units")
async def list_org_units(session: SessionDep, page: PageDep, _: Staff) -> Page[OrgUnitPublic]:
    total = (await session.exec(select(func.count()).select_from(OrgUnit))).one()
    stmt = select(OrgUnit).order_by(col(OrgUnit.code)).offset(page.offset).limit(page.limit + 1)
    rows = (await session.exec(stmt)).all()
    return offset_page([OrgUnitPublic.model_validate(u) for u in rows], page, total)


@router.get("/sectors", response_model=Page[SectorPublic], summary="List administrative sectors (toimialat)")
async def list_sectors(session: SessionDep, page: PageDep, _: Staff) -> Page[SectorPublic]:
    total = (await session.exec(select(func.count()).select_from(Sector))).one()
    stmt = select(Sector).order_by(col(Sector.code)).offset(page.offset).limit(page.limit + 1)
    rows = (await session.exec(stmt)).all()
    return offset_page([SectorPublic.model_validate(s) for s in rows], page, total)
