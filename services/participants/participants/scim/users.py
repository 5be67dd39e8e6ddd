"""SCIM Users: mapping between ``Person`` and the SCIM User resource (core + enterprise extension),
and PATCH semantics as Entra ID uses them (capitalised ops, no-path ops with an object value)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from participants.models import Person
from participants.scim.paths import Path, parse_path
from participants.scim.protocol import (
    ENTERPRISE_SCHEMA,
    USER_SCHEMA,
    ScimError,
    invalid_path,
    invalid_value,
    parse_bool,
)

CORE = {"username": "user_name", "externalid": "external_id", "displayname": "display_name", "title": "title"}
ENTERPRISE = {
    "employeenumber": "employee_number",
    "costcenter": "cost_centre",
    "organization": "organization",
    "division": "division",
    "department": "department",
}
NAME = {"givenname": "given_name", "familyname": "family_name"}
LIMITS = {
    "user_name": 200,
    "external_id": 200,
    "display_name": 300,
    "title": 200,
    "employee_number": 40,
    "cost_centre": 40,
    "organization": 200,
    "division": 200,
    "department": 200,
    "given_name": 200,
    "family_name": 200,
    "email": 320,
    "manager_id": 36,
}
STATE_KEYS = (*LIMITS, "active")
IGNORED = {"schemas", "id", "meta", "password"}


def person_state(person: Person) -> dict[str, Any]:
    """The SCIM-managed fields of a person."""
    return {key: getattr(person, key) for key in STATE_KEYS}


def blank_state() -> dict[str, Any]:
    state: dict[str, Any] = dict.fromkeys(STATE_KEYS)
    state["active"] = True
    return state


def _text(value: Any, attribute: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid_value(f"{attribute} must be a string.")
    text = str(value).strip()
    return text or None


def _email_from_list(value: Any) -> str | None:
    """The work address of an ``emails`` list: the primary one, else type work, else the first."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise invalid_value("emails must be a list of objects.")
    if not value:
        return None
    primary = [e for e in value if e.get("primary") in (True, "true", "True")]
    work = [e for e in value if str(e.get("type", "")).lower() == "work"]
    chosen = (primary or work or value)[0]
    return _text(chosen.get("value"), "emails.value")


def set_path(state: dict[str, Any], path: Path, value: Any, *, remove: bool = False) -> None:
    """Apply one add/replace (or remove) to ``state``."""
    attr, sub = path.attr, path.sub
    if attr == "enterprise":
        if remove:
            for field in (*ENTERPRISE.values(), "manager_id"):
                state[field] = None
            return
        if not isinstance(value, dict):
            raise invalid_value("The enterprise extension must be an object.")
        for key, inner in value.items():
            set_path(state, parse_path(key), inner)
        return
    if attr in CORE and not path.enterprise:
        state[CORE[attr]] = None if remove else _text(value, attr)
    elif attr in ENTERPRISE:
        state[ENTERPRISE[attr]] = None if remove else _text(value, attr)
    elif attr == "manager":
        if remove or value is None:
            state["manager_id"] = None
        elif isinstance(value, dict):
            state["manager_id"] = _text(value.get("value"), "manager.value")
        else:
            state["manager_id"] = _text(value, "manager")
    elif attr == "active":
        if not remove:
            state["active"] = parse_bool(value)
    elif attr == "name":
        if sub:
            if sub in NAME:
                state[NAME[sub]] = None if remove else _text(value, f"name.{sub}")
        elif remove:
            state["given_name"] = state["family_name"] = None
        elif isinstance(value, dict):
            for key, inner in value.items():
                if key.lower() in NAME:
                    state[NAME[key.lower()]] = _text(inner, f"name.{key}")
        else:
            raise invalid_value("name must be an object.")
    elif attr == "emails":
        if remove:
            wanted = [c.value for c in path.filter if c.attribute == "value"]
            current = state["email"]
            if not wanted or (current and str(wanted[0]).lower() == current):
                state["email"] = None
        elif path.filter or sub:
            if isinstance(value, dict):
                value = value.get("value")
            state["email"] = _text(value, "emails.value")
        else:
            state["email"] = _email_from_list(value)
        if state["email"]:
            state["email"] = state["email"].lower()
    # Other attributes (phoneNumbers, addresses, locale, ...) are accepted and not stored.


def apply_object(state: dict[str, Any], body: dict[str, Any]) -> None:
    """Apply a whole resource object or a no-path PATCH value (keys may be paths or schema URNs)."""
    for key, value in body.items():
        if not isinstance(key, str) or key.lower() in IGNORED:
            continue
        if key.lower() == ENTERPRISE_SCHEMA.lower():
            set_path(state, Path("enterprise", enterprise=True), value)
            continue
        set_path(state, parse_path(key), value)


def apply_patch(state: dict[str, Any], operations: Any) -> None:
    """Apply PATCH ``Operations`` (op names matched case-insensitively)."""
    if not isinstance(operations, list) or not operations:
        raise invalid_value("Operations must be a non-empty list.")
    for operation in operations:
        if not isinstance(operation, dict):
            raise invalid_value("Each operation must be an object.")
        op = str(operation.get("op", "")).lower()
        path, value = operation.get("path"), operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise invalid_value(f"Unknown PATCH op {operation.get('op')!r}.")
        if path in (None, ""):
            if op == "remove":
                raise ScimError(400, "A remove operation needs a path.", "noTarget")
            if not isinstance(value, dict):
                raise invalid_value("A PATCH operation without a path needs an object value.")
            apply_object(state, value)
        elif not isinstance(path, str):
            raise invalid_path("path must be a string.")
        else:
            set_path(state, parse_path(path), value, remove=op == "remove")


def validate_state(state: dict[str, Any]) -> None:
    if not state["user_name"]:
        raise invalid_value("userName is required.")
    for key, limit in LIMITS.items():
        if state[key] is not None and len(state[key]) > limit:
            raise invalid_value(f"{key} is longer than {limit} characters.")


def store_state(person: Person, state: dict[str, Any]) -> None:
    for key in STATE_KEYS:
        setattr(person, key, state[key])
    person.user_name_key = state["user_name"].lower()
    if not person.display_name:
        person.display_name = " ".join(p for p in (person.given_name, person.family_name) if p) or None


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat().replace("+00:00", "Z")


def user_resource(person: Person, base_url: str) -> dict[str, Any]:
    """The SCIM User resource of ``person``."""
    enterprise: dict[str, Any] = {
        "employeeNumber": person.employee_number,
        "costCenter": person.cost_centre,
        "organization": person.organization,
        "division": person.division,
        "department": person.department,
    }
    if person.manager_id:
        enterprise["manager"] = {
            "value": person.manager_id,
            "$ref": f"{base_url}/scim/v2/Users/{person.manager_id}",
        }
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "id": person.id,
        "externalId": person.external_id,
        "userName": person.user_name,
        "name": {"givenName": person.given_name, "familyName": person.family_name},
        "displayName": person.display_name,
        "title": person.title,
        "active": person.active,
        "emails": [{"value": person.email, "type": "work", "primary": True}] if person.email else [],
        ENTERPRISE_SCHEMA: {k: v for k, v in enterprise.items() if v is not None},
        "meta": {
            "resourceType": "User",
            "created": _iso(person.created_at),
            "lastModified": _iso(person.updated_at),
            "location": f"{base_url}/scim/v2/Users/{person.id}",
            "version": f'W/"{person.version}"',
        },
    }
    return {k: v for k, v in resource.items() if v is not None}
