"""``/scim/v2/Groups``: org units as SCIM groups; a member is a person whose org unit is the group.

A person belongs to one org unit, so adding a member to a group moves the person there. Removing one
member (``members[value eq "…"]``) touches no one else; replacing other attributes never empties
``members``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from participants.db import audit
from participants.models import OrgUnit, Person
from participants.privacy.readlog import log_reads
from participants.scim.deps import HrSync, base_url
from participants.scim.filters import parse_filter
from participants.scim.paths import parse_path
from participants.scim.protocol import (
    GROUP_SCHEMA,
    ScimResponse,
    ScimRoute,
    invalid_filter,
    invalid_path,
    invalid_value,
    list_response,
    not_found,
    paging,
    read_json,
    uniqueness,
)

router = APIRouter(route_class=ScimRoute)


def _iso(value: dt.datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat().replace("+00:00", "Z")


async def group_resource(
    session: AsyncSession, unit: OrgUnit, base: str, *, with_members: bool = True
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": unit.id,
        "displayName": unit.name,
        "meta": {
            "resourceType": "Group",
            "created": _iso(unit.created_at),
            "lastModified": _iso(unit.updated_at),
            "location": f"{base}/scim/v2/Groups/{unit.id}",
            "version": f'W/"{unit.version}"',
        },
    }
    if unit.external_id:
        resource["externalId"] = unit.external_id
    if with_members:
        rows = await session.exec(
            select(Person.id, Person.display_name)
            .where(Person.org_unit_id == unit.id)
            .order_by(col(Person.id))
        )
        resource["members"] = [
            {"value": pid, "display": name, "$ref": f"{base}/scim/v2/Users/{pid}"} for pid, name in rows.all()
        ]
    return resource


def _group_clause(attribute: str, value: Any) -> Any:
    if not isinstance(value, str):
        raise invalid_filter(f"{attribute} is compared with a quoted string.")
    match attribute:
        case "displayname":
            return func.lower(OrgUnit.name) == value.lower()
        case "externalid":
            return OrgUnit.external_id == value
        case "id":
            return OrgUnit.id == value
    raise invalid_filter(f"Filtering groups on {attribute!r} is not supported.")


def _member_ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(m, dict) and isinstance(m.get("value"), str) for m in value
    ):
        raise invalid_value('members must be a list of {"value": "<user id>"} objects.')
    return [m["value"] for m in value]


async def _set_members(
    session: AsyncSession, unit: OrgUnit, add: list[str], remove: list[str]
) -> dict[str, Any]:
    if add:
        found = set((await session.exec(select(Person.id).where(col(Person.id).in_(add)))).all())
        missing = [m for m in add if m not in found]
        if missing:
            raise invalid_value(f"Unknown member ids: {', '.join(missing[:5])}.")
        conn = await session.connection()
        await conn.execute(
            update(Person).where(col(Person.id).in_(add)).values(org_unit_id=unit.id, hr_row_hash=None)
        )
    if remove:
        conn = await session.connection()
        await conn.execute(
            update(Person)
            .where(col(Person.id).in_(remove), col(Person.org_unit_id) == unit.id)
            .values(org_unit_id=None, hr_row_hash=None)
        )
    return {k: v for k, v in (("members_added", add), ("members_removed", remove)) if v}


async def _current_members(session: AsyncSession, unit: OrgUnit) -> list[str]:
    return list((await session.exec(select(Person.id).where(Person.org_unit_id == unit.id))).all())


async def _get(session: AsyncSession, group_id: str) -> OrgUnit:
    unit = await session.get(OrgUnit, group_id)
    if unit is None:
        raise not_found("Group", group_id)
    return unit


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


async def _check_unique(session: AsyncSession, unit: OrgUnit) -> None:
    stmt = select(OrgUnit).where(OrgUnit.id != unit.id)
    if unit.external_id:
        if (await session.exec(stmt.where(OrgUnit.external_id == unit.external_id))).first():
            raise uniqueness(f"externalId {unit.external_id!r} is already in use.")
    if (await session.exec(stmt.where(OrgUnit.code == unit.code))).first():
        raise uniqueness(f"A group with the code {unit.code!r} already exists.")


async def _record(
    session: AsyncSession, principal: Principal, unit: OrgUnit, action: str, changes: dict[str, Any]
) -> None:
    unit.version += 1
    unit.updated_at = dt.datetime.now(dt.UTC)
    session.add(unit)
    await session.flush()
    await audit.record(
        session, actor=principal, action=action, entity_type="org_unit", entity_id=unit.id, changes=changes
    )


@router.get("/Groups")
async def list_groups(
    request: Request,
    session: SessionDep,
    principal: HrSync,
    filter: str | None = None,
    startIndex: str | None = None,
    count: str | None = None,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    clauses = [_group_clause(c.attribute, c.value) for c in parse_filter(filter)]
    start, n = paging(startIndex, count)
    total = (await session.exec(select(func.count()).select_from(OrgUnit).where(*clauses))).one()
    units = []
    if n and total >= start:
        stmt = select(OrgUnit).where(*clauses).order_by(col(OrgUnit.code), col(OrgUnit.id))
        units = list((await session.exec(stmt.offset(start - 1).limit(n))).all())
    members = "members" not in (excludedAttributes or "").lower()
    base = base_url(request)
    resources = [await group_resource(session, u, base, with_members=members) for u in units]
    await _log_members(session, principal, resources)
    return ScimResponse(list_response(resources, total, start))


@router.post("/Groups", status_code=201)
async def create_group(request: Request, session: SessionDep, principal: HrSync) -> ScimResponse:
    body = await read_json(request)
    if not isinstance(body.get("displayName"), str):
        raise invalid_value("displayName is required.")
    unit = OrgUnit(code="", name="")
    _set_attributes(unit, body)
    unit.code = (unit.external_id or unit.name)[:80]
    await _check_unique(session, unit)
    session.add(unit)
    await session.flush()
    changes: dict[str, Any] = {"code": unit.code, "name": unit.name, "external_id": unit.external_id}
    if "members" in body:
        changes.update(await _set_members(session, unit, _member_ids(body["members"]), []))
    await audit.record(
        session,
        actor=principal,
        action="scim.create",
        entity_type="org_unit",
        entity_id=unit.id,
        changes=changes,
    )
    resource = await group_resource(session, unit, base_url(request))
    return ScimResponse(resource, status_code=201, headers={"Location": resource["meta"]["location"]})


@router.get("/Groups/{group_id}")
async def get_group(
    request: Request,
    group_id: str,
    session: SessionDep,
    principal: HrSync,
    excludedAttributes: str | None = None,
) -> ScimResponse:
    unit = await _get(session, group_id)
    members = "members" not in (excludedAttributes or "").lower()
    resource = await group_resource(session, unit, base_url(request), with_members=members)
    await _log_members(session, principal, [resource])
    return ScimResponse(resource)


async def _log_members(session: AsyncSession, principal: Principal, resources: list[dict[str, Any]]) -> None:
    """Member lists name people: their reads are logged like any other read of a person."""
    ids = [m["value"] for r in resources for m in r.get("members", [])]
    await log_reads(session, reader=principal, person_ids=ids, purpose="scim.group")


@router.put("/Groups/{group_id}")
async def replace_group(
    request: Request, group_id: str, session: SessionDep, principal: HrSync
) -> ScimResponse:
    unit = await _get(session, group_id)
    body = await read_json(request)
    before = {"name": unit.name, "external_id": unit.external_id}
    _set_attributes(unit, {"externalId": None, **body})
    await _check_unique(session, unit)
    changes = diff(before, {"name": unit.name, "external_id": unit.external_id})
    if "members" in body:
        wanted = _member_ids(body["members"] or [])
        current = await _current_members(session, unit)
        changes.update(
            await _set_members(
                session,
                unit,
                [m for m in wanted if m not in current],
                [m for m in current if m not in wanted],
            )
        )
    if changes:
        await _record(session, principal, unit, "scim.update", changes)
    return ScimResponse(await group_resource(session, unit, base_url(request)))


@router.patch("/Groups/{group_id}")
async def patch_group(request: Request, group_id: str, session: SessionDep, principal: HrSync) -> Response:
    unit = await _get(session, group_id)
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
                members = next(v for k, v in value.items() if k.lower() == "members")
                ids = _member_ids(members)
                if op == "replace":
                    current = await _current_members(session, unit)
                    member_changes.update(
                        await _set_members(session, unit, ids, [m for m in current if m not in ids])
                    )
                else:
                    member_changes.update(await _set_members(session, unit, ids, []))
            continue
        parsed = parse_path(str(path))
        if parsed.attr == "members":
            filtered = [str(c.value) for c in parsed.filter if c.attribute == "value"]
            if op == "remove":
                ids = filtered or (_member_ids(value) if value else await _current_members(session, unit))
                member_changes.update(await _set_members(session, unit, [], ids))
            elif op == "add":
                member_changes.update(await _set_members(session, unit, _member_ids(value), []))
            else:
                ids = _member_ids(value or [])
                current = await _current_members(session, unit)
                member_changes.update(
                    await _set_members(session, unit, ids, [m for m in current if m not in ids])
                )
        elif parsed.attr in ("displayname", "externalid"):
            _set_attributes(unit, {parsed.attr: None if op == "remove" else value})
        else:
            raise invalid_path(f"Groups have no attribute {path!r} to change.")
    await _check_unique(session, unit)
    changes = {**diff(before, {"name": unit.name, "external_id": unit.external_id}), **member_changes}
    if changes:
        await _record(session, principal, unit, "scim.update", changes)
    return Response(status_code=204)


@router.delete("/Groups/{group_id}", status_code=204)
async def delete_group(group_id: str, session: SessionDep, principal: HrSync) -> Response:
    """An org unit with history is never deleted: its members are released and it gets an end date."""
    unit = await _get(session, group_id)
    current = await _current_members(session, unit)
    changes = await _set_members(session, unit, [], current)
    if unit.valid_to is None:
        unit.valid_to = dt.date.today()
        changes["valid_to"] = unit.valid_to.isoformat()
    await _record(session, principal, unit, "scim.delete", changes)
    return Response(status_code=204)
