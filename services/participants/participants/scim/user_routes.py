"""``/scim/v2/Users``: create, find (filter ``eq``/``and``), read, replace, patch, soft delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from participants.db import audit
from participants.minimise import person_changes
from participants.models import Person
from participants.privacy.readlog import log_reads
from participants.scim.deps import HrSync, base_url
from participants.scim.filters import parse_filter
from participants.scim.protocol import (
    ScimResponse,
    ScimRoute,
    invalid_filter,
    list_response,
    not_found,
    paging,
    read_json,
    uniqueness,
)
from participants.scim.users import (
    apply_object,
    apply_patch,
    blank_state,
    person_state,
    store_state,
    user_resource,
    validate_state,
)

router = APIRouter(route_class=ScimRoute)


def _user_clause(attribute: str, value: Any) -> Any:
    if attribute == "active":
        if not isinstance(value, bool):
            raise invalid_filter("active is compared with true or false.")
        return Person.active == value
    if not isinstance(value, str):
        raise invalid_filter(f"{attribute} is compared with a quoted string.")
    match attribute:
        case "username":
            return Person.user_name_key == value.lower()
        case "externalid":
            return Person.external_id == value
        case "id":
            return Person.id == value
        case "emails" | "emails.value":
            return Person.email == value.lower()
        case "employeenumber":
            return Person.employee_number == value
        case "displayname":
            return func.lower(Person.display_name) == value.lower()
    raise invalid_filter(f"Filtering on {attribute!r} is not supported.")


async def _check_unique(session: AsyncSession, state: dict[str, Any], own_id: str | None) -> None:
    """409 uniqueness when another person has the userName (any case), externalId or employeeNumber."""
    clauses = [Person.user_name_key == state["user_name"].lower()]
    if state["external_id"]:
        clauses.append(Person.external_id == state["external_id"])
    if state["employee_number"]:
        clauses.append(Person.employee_number == state["employee_number"])
    stmt = select(Person).where(or_(*clauses))
    if own_id:
        stmt = stmt.where(Person.id != own_id)
    other = (await session.exec(stmt)).first()
    if other is None:
        return
    if other.user_name_key == state["user_name"].lower():
        raise uniqueness(f"userName {state['user_name']!r} is already in use.")
    if state["external_id"] and other.external_id == state["external_id"]:
        raise uniqueness(f"externalId {state['external_id']!r} is already in use.")
    raise uniqueness(f"employeeNumber {state['employee_number']!r} is already in use.")


async def _get(session: AsyncSession, user_id: str) -> Person:
    person = await session.get(Person, user_id)
    if person is None or person.pseudonymised:  # an erased person no longer exists for provisioning
        raise not_found("User", user_id)
    return person


async def _save(
    session: AsyncSession, principal: Principal, person: Person, state: dict[str, Any], *, new: bool
) -> None:
    validate_state(state)
    await _check_unique(session, state, None if new else person.id)
    before = {} if new else person_state(person)
    store_state(person, state)
    changes = diff(before, person_state(person))
    if not new and not changes:
        return
    if not new:
        person.hr_row_hash = None  # SCIM changed the person: the next HR import compares it in full
        person.version += 1
        person.updated_at = dt.datetime.now(dt.UTC)
    session.add(person)
    await session.flush()
    action = (
        "scim.create"
        if new
        else ("scim.deactivate" if changes.get("active") == [True, False] else "scim.update")
    )
    await audit.record(
        session,
        actor=principal,
        action=action,
        entity_type="person",
        entity_id=person.id,
        changes=person_changes(changes),  # the fields that changed, never their personal values
    )


@router.get("/Users")
async def list_users(
    request: Request,
    session: SessionDep,
    principal: HrSync,
    filter: str | None = None,
    startIndex: str | None = None,
    count: str | None = None,
) -> ScimResponse:
    comparisons = parse_filter(filter)
    start, n = paging(startIndex, count)
    clauses = [_user_clause(c.attribute, c.value) for c in comparisons]
    clauses.append(col(Person.pseudonymised).is_(False))
    total = (await session.exec(select(func.count()).select_from(Person).where(*clauses))).one()
    people = []
    if n and total >= start:
        stmt = select(Person).where(*clauses).order_by(col(Person.created_at), col(Person.id))
        people = list((await session.exec(stmt.offset(start - 1).limit(n))).all())
    await log_reads(session, reader=principal, person_ids=[p.id for p in people], purpose="scim")
    base = base_url(request)
    return ScimResponse(list_response([user_resource(p, base) for p in people], total, start))


@router.post("/Users", status_code=201)
async def create_user(request: Request, session: SessionDep, principal: HrSync) -> ScimResponse:
    body = await read_json(request)
    state = blank_state()
    apply_object(state, body)
    person = Person(user_name=state["user_name"] or "", user_name_key="", source="scim")
    await _save(session, principal, person, state, new=True)
    resource = user_resource(person, base_url(request))
    return ScimResponse(resource, status_code=201, headers={"Location": resource["meta"]["location"]})


@router.get("/Users/{user_id}")
async def get_user(request: Request, user_id: str, session: SessionDep, principal: HrSync) -> ScimResponse:
    person = await _get(session, user_id)
    await log_reads(session, reader=principal, person_ids=[person.id], purpose="scim")
    return ScimResponse(user_resource(person, base_url(request)))


@router.put("/Users/{user_id}")
async def replace_user(
    request: Request, user_id: str, session: SessionDep, principal: HrSync
) -> ScimResponse:
    person = await _get(session, user_id)
    body = await read_json(request)
    state = blank_state()
    apply_object(state, body)
    await _save(session, principal, person, state, new=False)
    return ScimResponse(user_resource(person, base_url(request)))


@router.patch("/Users/{user_id}")
async def patch_user(request: Request, user_id: str, session: SessionDep, principal: HrSync) -> ScimResponse:
    person = await _get(session, user_id)
    body = await read_json(request)
    state = person_state(person)
    apply_patch(state, body.get("Operations", body.get("operations")))
    await _save(session, principal, person, state, new=False)
    return ScimResponse(user_resource(person, base_url(request)))


@router.delete("/Users/{user_id}", status_code=204)
async def delete_user(user_id: str, session: SessionDep, principal: HrSync) -> Response:
    """Soft delete: the person becomes inactive and stays readable (ESR records must be kept)."""
    person = await _get(session, user_id)
    state = person_state(person)
    state["active"] = False
    await _save(session, principal, person, state, new=False)
    return Response(status_code=204)
