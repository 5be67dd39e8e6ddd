"""``/scim/v2/Groups``: org units as SCIM groups; a member is a person whose org unit is the group.

A person belongs to one org unit, so adding a member to a group moves the person there. Removing one
member (``members[value eq "…"]``) touches no one else; replacing other attributes never empties
``members``. DELETE releases the members and ends the unit (``valid_to``): a unit with history is
never deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from scim2_models import Context, Meta

from hanke_libs.audit import diff
from hanke_libs.db import SessionDep
from participants.models import OrgUnit
from participants.scim import repository
from participants.scim.deps import HrSync, locator
from participants.scim.filters import parse_filter
from participants.scim.models import OrgUnitGroup, OrgUnitMember
from participants.scim.paths import parse_path
from participants.scim.protocol import (
    ScimResponse,
    ScimRoute,
    invalid_path,
    invalid_value,
    list_response,
    paging,
    read_json,
    response_parameters,
)
from participants.scim.users import dump

router = APIRouter(route_class=ScimRoute)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def group_resource(
    groups: repository.Groups, unit: OrgUnit, location: Any, *, with_members: bool = True
) -> OrgUnitGroup:
    members = None
    if with_members:
        members = [
            OrgUnitMember(value=pid, display=name, ref=location(f"/scim/v2/Users/{pid}"))
            for pid, name in await groups.members(unit)
        ] or None
    return OrgUnitGroup(
        id=unit.id,
        external_id=unit.external_id,
        display_name=unit.name,
        members=members,
        meta=Meta(
            resource_type="Group",
            created=_utc(unit.created_at),
            last_modified=_utc(unit.updated_at),
            location=location(f"/scim/v2/Groups/{unit.id}"),
            version=f'W/"{unit.version}"',
        ),
    )


def _wants_members(attributes: str | None, excluded: str | None) -> bool:
    if excluded and "members" in excluded.lower():
        return False
    return not attributes or "members" in attributes.lower()


def _member_ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(m, dict) and isinstance(m.get("value"), str) for m in value
    ):
        raise invalid_value('members must be a list of {"value": "<user id>"} objects.')
    return [m["value"] for m in value]


def _set_attributes(unit: OrgUnit, body: dict[str, Any]) -> None:
    for key, value in body.items():
        k = key.lower()
        if k == "displayname":
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                raise invalid_value("displayName must be a non-empty string of at most 200 characters.")
            unit.name = value.strip()
        elif k == "externalid":
            if value is not None and (not isinstance(value, str) or len(value) > 200):
                raise invalid_value("externalId must be a string.")
            unit.external_id = value


async def _search(
    request: Request,
    groups: repository.Groups,
    filter_: Any,
    start_index: Any,
    count: Any,
    attributes: Any,
    excluded: Any,
) -> ScimResponse:
    params = response_parameters(OrgUnitGroup, attributes, excluded)
    clauses = [repository.group_clause(c) for c in parse_filter(filter_)]
    start, n = paging(start_index, count)
    total, units = await groups.search(clauses, start, n)
    location = locator(request)
    members = _wants_members(attributes, excluded)
    resources = [
        dump(await group_resource(groups, u, location, with_members=members), params, Context.SEARCH_RESPONSE)
        for u in units
    ]
    return ScimResponse(list_response(resources, total, start))


@router.get("/Groups")
async def list_groups(
    request: Request,
    session: SessionDep,
    principal: HrSync,
    filter: str | None = None,
    startIndex: str | None = None,
    count: str | None = None,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    groups = repository.Groups(session, principal)
    return await _search(request, groups, filter, startIndex, count, attributes, excludedAttributes)


@router.post("/Groups/.search")
async def search_groups(request: Request, session: SessionDep, principal: HrSync) -> ScimResponse:
    body = await read_json(request)
    joined = {k: ",".join(v) if isinstance(v, list) else v for k, v in body.items()}
    groups = repository.Groups(session, principal)
    return await _search(
        request,
        groups,
        joined.get("filter"),
        joined.get("startIndex"),
        joined.get("count"),
        joined.get("attributes"),
        joined.get("excludedAttributes"),
    )


@router.post("/Groups", status_code=201)
async def create_group(request: Request, session: SessionDep, principal: HrSync) -> ScimResponse:
    groups = repository.Groups(session, principal)
    body = await read_json(request)
    if not isinstance(body.get("displayName"), str):
        raise invalid_value("displayName is required.")
    unit = OrgUnit(code="", name="")
    _set_attributes(unit, body)
    unit.code = (unit.external_id or unit.name)[:80]
    await groups.add(unit)
    changes: dict[str, Any] = {"code": unit.code, "name": unit.name, "external_id": unit.external_id}
    if body.get("members"):
        changes.update(await groups.set_members(unit, _member_ids(body["members"]), []))
    await groups.record(unit, "scim.create", changes, bump=False)
    resource = dump(
        await group_resource(groups, unit, locator(request)), None, Context.RESOURCE_CREATION_RESPONSE
    )
    return ScimResponse(resource, status_code=201, headers={"Location": resource["meta"]["location"]})


@router.get("/Groups/{group_id}")
async def get_group(
    request: Request,
    group_id: str,
    session: SessionDep,
    principal: HrSync,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    params = response_parameters(OrgUnitGroup, attributes, excludedAttributes)
    groups = repository.Groups(session, principal)
    unit = await groups.get(group_id)
    resource = await group_resource(
        groups, unit, locator(request), with_members=_wants_members(attributes, excludedAttributes)
    )
    return ScimResponse(dump(resource, params, Context.RESOURCE_QUERY_RESPONSE))


@router.put("/Groups/{group_id}")
async def replace_group(
    request: Request,
    group_id: str,
    session: SessionDep,
    principal: HrSync,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    params = response_parameters(OrgUnitGroup, attributes, excludedAttributes)
    groups = repository.Groups(session, principal)
    unit = await groups.get(group_id, lock=True)
    body = await read_json(request)
    before = {"name": unit.name, "external_id": unit.external_id}
    _set_attributes(unit, {"externalId": None, **body})
    await groups.check_unique(unit)
    changes = diff(before, {"name": unit.name, "external_id": unit.external_id})
    wanted = _member_ids(body.get("members") or [])
    current = await groups.member_ids(unit)
    changes.update(
        await groups.set_members(
            unit, [m for m in wanted if m not in current], [m for m in current if m not in wanted]
        )
    )
    if changes:
        await groups.record(unit, "scim.update", changes)
    resource = await group_resource(groups, unit, locator(request))
    return ScimResponse(dump(resource, params, Context.RESOURCE_REPLACEMENT_RESPONSE))


@router.patch("/Groups/{group_id}")
async def patch_group(
    request: Request,
    group_id: str,
    session: SessionDep,
    principal: HrSync,
    attributes: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    params = response_parameters(OrgUnitGroup, attributes, excludedAttributes)
    groups = repository.Groups(session, principal)
    unit = await groups.get(group_id, lock=True)
    body = await read_json(request)
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise invalid_value("Operations must be a non-empty list.")
    before = {"name": unit.name, "external_id": unit.external_id}
    member_changes: dict[str, Any] = {}
    for operation in operations:
        if not isinstance(operation, dict):
            raise invalid_value("Each operation must be an object.")
        op = str(operation.get("op", "")).lower()
        path, value = operation.get("path"), operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise invalid_value(f"Unknown PATCH op {operation.get('op')!r}.")
        if not path:
            if not isinstance(value, dict):
                raise invalid_value("A PATCH operation without a path needs an object value.")
            _set_attributes(unit, value)
            if "members" in {k.lower() for k in value}:
                ids = _member_ids(next(v for k, v in value.items() if k.lower() == "members"))
                current = await groups.member_ids(unit)
                removed = [m for m in current if m not in ids] if op == "replace" else []
                member_changes.update(await groups.set_members(unit, ids, removed))
            continue
        parsed = parse_path(str(path))
        if parsed.attr == "members":
            filtered = [str(c.value) for c in parsed.filter if c.attribute == "value"]
            if op == "remove":
                ids = filtered or (_member_ids(value) if value else await groups.member_ids(unit))
                member_changes.update(await groups.set_members(unit, [], ids))
            elif op == "add":
                member_changes.update(await groups.set_members(unit, _member_ids(value), []))
            else:
                ids = _member_ids(value or [])
                current = await groups.member_ids(unit)
                member_changes.update(
                    await groups.set_members(unit, ids, [m for m in current if m not in ids])
                )
        elif parsed.attr in ("displayname", "externalid"):
            if op == "remove" and parsed.attr == "displayname":
                raise invalid_value("displayName is required: it cannot be removed.")
            _set_attributes(unit, {parsed.attr: None if op == "remove" else value})
        else:
            raise invalid_path(f"Groups have no attribute {path!r} to change.")
    await groups.check_unique(unit)
    changes = {**diff(before, {"name": unit.name, "external_id": unit.external_id}), **member_changes}
    if changes:
        await groups.record(unit, "scim.update", changes)
    resource = await group_resource(
        groups, unit, locator(request), with_members=_wants_members(attributes, excludedAttributes)
    )
    return ScimResponse(dump(resource, params, Context.RESOURCE_PATCH_RESPONSE))


@router.delete("/Groups/{group_id}", status_code=204)
async def delete_group(group_id: str, session: SessionDep, principal: HrSync) -> Response:
    """An org unit with history is never deleted: its members are released and it gets an end date."""
    groups = repository.Groups(session, principal)
    unit = await groups.get(group_id, lock=True)
    changes = await groups.set_members(unit, [], await groups.member_ids(unit))
    if unit.valid_to is None:
        unit.valid_to = dt.date.today()
        changes["valid_to"] = unit.valid_to.isoformat()
    await groups.record(unit, "scim.delete", changes)
    return Response(status_code=204)
