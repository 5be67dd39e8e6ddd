"""``/scim/v2/Users``: create, find (filter ``eq``/``and``, GET or POST ``.search``), read, replace,
patch, and DELETE as deactivation (the record is kept for ESR retention; a documented deviation)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from scim2_models import Context

from hanke_libs.db import SessionDep
from participants.scim import repository
from participants.scim.deps import HrSync, locator
from participants.scim.filters import parse_filter
from participants.scim.models import StaffUser
from participants.scim.protocol import (
    ScimResponse,
    ScimRoute,
    invalid_value,
    list_response,
    paging,
    read_json,
    response_parameters,
)
from participants.scim.users import apply_object, apply_patch, blank_state, dump, person_state, user_model

router = APIRouter(route_class=ScimRoute)


async def _search(
    request: Request,
    session: SessionDep,
    principal: Any,
    filter_: str | None,
    start_index: Any,
    count: Any,
    attributes: str | None,
    excluded: str | None,
) -> ScimResponse:
    params = response_parameters(StaffUser, attributes, excluded)
    start, n = paging(start_index, count)
    users = repository.Users(session, principal)
    total, people = await users.search(parse_filter(filter_), start, n)
    location = locator(request)
    resources = [dump(user_model(p, location), params, Context.SEARCH_RESPONSE) for p in people]
    return ScimResponse(list_response(resources, total, start))


@router.get("/Users")
async def list_users(
    request: Request,
    session: SessionDep,
    principal: HrSync,
    filter: str | None = None,
    startIndex: str | None = None,
    count: str | None = None,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    return await _search(
        request, session, principal, filter, startIndex, count, attributes, excludedAttributes
    )


@router.post("/Users/.search")
async def search_users(request: Request, session: SessionDep, principal: HrSync) -> ScimResponse:
    """RFC 7644 § 3.4.3: the same query as GET, in a SearchRequest body."""
    body = await read_json(request)
    joined = {k: ",".join(v) if isinstance(v, list) else v for k, v in body.items()}
    for key in ("filter", "attributes", "excludedAttributes"):
        if joined.get(key) is not None and not isinstance(joined[key], str):
            raise invalid_value(f"{key} must be a string.")
    return await _search(
        request,
        session,
        principal,
        joined.get("filter"),
        joined.get("startIndex"),
        joined.get("count"),
        joined.get("attributes"),
        joined.get("excludedAttributes"),
    )


@router.post("/Users", status_code=201)
async def create_user(request: Request, session: SessionDep, principal: HrSync) -> ScimResponse:
    body = await read_json(request)
    state = blank_state()
    apply_object(state, body)
    person = await repository.Users(session, principal).create(state)
    resource = dump(user_model(person, locator(request)), None, Context.RESOURCE_CREATION_RESPONSE)
    return ScimResponse(resource, status_code=201, headers={"Location": resource["meta"]["location"]})


@router.get("/Users/{user_id}")
async def get_user(
    request: Request,
    user_id: str,
    session: SessionDep,
    principal: HrSync,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    params = response_parameters(StaffUser, attributes, excludedAttributes)
    person = await repository.Users(session, principal).read(user_id)
    return ScimResponse(dump(user_model(person, locator(request)), params, Context.RESOURCE_QUERY_RESPONSE))


@router.put("/Users/{user_id}")
async def replace_user(
    request: Request,
    user_id: str,
    session: SessionDep,
    principal: HrSync,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    params = response_parameters(StaffUser, attributes, excludedAttributes)
    users = repository.Users(session, principal)
    person = await users.for_update(user_id)
    body = await read_json(request)
    state = blank_state(active=person.active)  # a PUT without active keeps it: never reactivates silently
    apply_object(state, body)
    await users.save(person, state)
    return ScimResponse(
        dump(user_model(person, locator(request)), params, Context.RESOURCE_REPLACEMENT_RESPONSE)
    )


@router.patch("/Users/{user_id}")
async def patch_user(
    request: Request,
    user_id: str,
    session: SessionDep,
    principal: HrSync,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    params = response_parameters(StaffUser, attributes, excludedAttributes)
    users = repository.Users(session, principal)
    person = await users.for_update(user_id)
    body = await read_json(request)
    state = person_state(person)
    apply_patch(state, body.get("Operations", body.get("operations")))
    await users.save(person, state)
    return ScimResponse(dump(user_model(person, locator(request)), params, Context.RESOURCE_PATCH_RESPONSE))


@router.delete("/Users/{user_id}", status_code=204)
async def delete_user(user_id: str, session: SessionDep, principal: HrSync) -> Response:
    """Deactivate, never delete: the person stays readable, inactive (ESR records must be kept)."""
    users = repository.Users(session, principal)
    person = await users.for_update(user_id)
    state = person_state(person)
    state["active"] = False
    await users.save(person, state)
    return Response(status_code=204)
