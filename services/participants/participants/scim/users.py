"""SCIM Users: ``Person`` <-> the SCIM User resource (core + enterprise extension), and PATCH as Entra
ID sends it (capitalised ops, no-path ops with an object value, ``"active": "False"``).

Reading is lenient where Entra ID needs it (case-insensitive attribute names, string booleans)
and strict where the RFC is: keys inside the enterprise extension object are only ever enterprise
attributes (``{"urn:...:enterprise:2.0:User": {"userName": "x"}}`` changes no user name), a PUT
without ``active`` keeps the current value (PUT never reactivates silently), ``remove active`` is
refused (``active`` is required here: replace it with ``false``), and every e-mail address is kept
with its type (the work address, the primary one, is also the person's ``email``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from scim2_models import Context, EnterpriseUser, Meta, ResponseParameters

from participants.models import Person
from participants.scim.models import PersonEmail, PersonName, StaffUser
from participants.scim.paths import Path, parse_path
from participants.scim.protocol import ENTERPRISE_SCHEMA, ScimError, invalid_path, invalid_value, parse_bool

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
    "manager_id": 36,
}
MAX_EMAILS = 10
STATE_KEYS = (*LIMITS, "active", "emails")
IGNORED = {"schemas", "id", "meta", "password"}


def emails_of(person: Person) -> list[dict[str, Any]]:
    """Every address of ``person``: those SCIM gave (with their types), the work one first-class."""
    stored = (person.scim_extra or {}).get("emails")
    if isinstance(stored, list) and any(e.get("value") == person.email for e in stored):
        return [dict(e) for e in stored]
    listed = stored if isinstance(stored, list) else []
    others = [dict(e) for e in listed if isinstance(e, dict) and not e.get("primary")]
    return ([{"value": person.email, "type": "work", "primary": True}] if person.email else []) + others


def person_state(person: Person) -> dict[str, Any]:
    """The SCIM-managed fields of a person."""
    state = {key: getattr(person, key) for key in STATE_KEYS if key != "emails"}
    state["emails"] = emails_of(person)
    state["email"] = (
        person.email
    )  # the work address (derived from emails), named in the audit when it changes
    return state


def blank_state(*, active: bool = True) -> dict[str, Any]:
    state: dict[str, Any] = dict.fromkeys(STATE_KEYS)
    state["active"] = active
    state["emails"] = []
    state["email"] = None
    return state


def _text(value: Any, attribute: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid_value(f"{attribute} must be a string.")
    text = str(value).strip()
    return text or None


def _email(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_value("Each of emails must be an object with a value.")
    address = _text(value.get("value"), "emails.value")
    if address is None or len(address) > 320:
        raise invalid_value("emails.value must be an address of at most 320 characters.")
    kind = _text(value.get("type"), "emails.type")
    entry: dict[str, Any] = {"value": address.lower()}
    if kind:
        entry["type"] = kind[:40]
    if "primary" in value and value["primary"] is not None:
        entry["primary"] = parse_bool(value["primary"], "emails.primary")
    return entry


def _emails(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise invalid_value("emails must be a list of objects.")
    return [_email(v) for v in value]


def _matches(entry: dict[str, Any], path: Path) -> bool:
    for comparison in path.filter:
        key = comparison.attribute
        actual = entry.get(key)
        if isinstance(actual, str) and isinstance(comparison.value, str):
            if actual.lower() != comparison.value.lower():
                return False
        elif actual != comparison.value:
            return False
    return True


def _set_emails(state: dict[str, Any], path: Path, value: Any, op: str) -> None:
    current: list[dict[str, Any]] = state["emails"]
    if not path.filter and not path.sub:
        if op == "remove":
            state["emails"] = []
        elif op == "add":
            new = _emails(value)
            values = {e["value"] for e in new}
            state["emails"] = [e for e in current if e["value"] not in values] + new
        else:
            state["emails"] = _emails(value)
        return
    targets = (
        [e for e in current if _matches(e, path)]
        if path.filter
        else [e for e in current if e.get("primary")][:1]
    )
    if op == "remove":
        if path.sub:
            for entry in targets:
                entry.pop(path.sub, None)
            state["emails"] = [e for e in current if e.get("value")]
        else:
            state["emails"] = [e for e in current if e not in targets]
        return
    if path.sub:
        if not targets:  # e.g. replace emails[type eq "work"].value on a user with no work address
            template = {c.attribute: c.value for c in path.filter if isinstance(c.value, str)}
            targets = [template]
            current.append(template)
        for entry in targets:
            if path.sub == "value":
                entry["value"] = _email({"value": value})["value"]
            elif path.sub == "primary":
                entry["primary"] = parse_bool(value, "emails.primary")
            elif path.sub == "type":
                entry["type"] = _text(value, "emails.type")
            else:
                raise invalid_path(f"emails have no sub-attribute {path.sub!r}.")
        state["emails"] = current
    else:
        replacement = _emails(value)
        state["emails"] = [e for e in current if e not in targets] + replacement


def set_path(state: dict[str, Any], path: Path, value: Any, *, op: str = "replace") -> None:
    """Apply one add/replace/remove to ``state``."""
    remove = op == "remove"
    attr, sub = path.attr, path.sub
    if attr == "enterprise":
        if remove:
            for field in (*ENTERPRISE.values(), "manager_id"):
                state[field] = None
            return
        if not isinstance(value, dict):
            raise invalid_value("The enterprise extension must be an object.")
        for key, inner in value.items():
            inner_path = parse_path(str(key))
            set_path(
                state, Path(inner_path.attr, inner_path.sub, inner_path.filter, enterprise=True), inner, op=op
            )
        return
    if path.enterprise:  # inside the extension: only its own attributes, never core ones
        if attr in ENTERPRISE:
            state[ENTERPRISE[attr]] = None if remove else _text(value, attr)
        elif attr == "manager":
            if remove or value is None:
                state["manager_id"] = None
            elif isinstance(value, dict):
                state["manager_id"] = _text(value.get("value"), "manager.value")
            elif sub == "value" or sub is None:
                state["manager_id"] = _text(value, "manager")
        return
    if attr in CORE:
        state[CORE[attr]] = None if remove else _text(value, attr)
    elif attr in ENTERPRISE or attr == "manager":  # Entra ID sometimes names them without the URN
        set_path(state, Path(attr, sub, path.filter, enterprise=True), value, op=op)
    elif attr == "active":
        if remove:
            raise invalid_value("active is required here: replace it with false to deactivate the user.")
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
        _set_emails(state, path, value, op)
    # Other attributes (phoneNumbers, addresses, locale, ...) are not kept and not in /Schemas.


def apply_object(state: dict[str, Any], body: dict[str, Any], *, op: str = "replace") -> None:
    """Apply a whole resource object or a no-path PATCH value (keys may be paths or schema URNs)."""
    for key, value in body.items():
        if not isinstance(key, str) or key.lower() in IGNORED:
            continue
        if key.lower() == ENTERPRISE_SCHEMA.lower():
            set_path(state, Path("enterprise", enterprise=True), value, op=op)
            continue
        set_path(state, parse_path(key), value, op=op)


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
            apply_object(state, value, op=op)
        elif not isinstance(path, str):
            raise invalid_path("path must be a string.")
        else:
            set_path(state, parse_path(path), value, op=op)


def validate_state(state: dict[str, Any]) -> None:
    if not state["user_name"]:
        raise invalid_value("userName is required.")
    for key, limit in LIMITS.items():
        if state[key] is not None and len(state[key]) > limit:
            raise invalid_value(f"{key} is longer than {limit} characters.")
    if len(state["emails"]) > MAX_EMAILS:
        raise invalid_value(f"At most {MAX_EMAILS} e-mail addresses are kept.")


def work_email(emails: list[dict[str, Any]]) -> str | None:
    """The person's work address: the primary one, else type work, else the first."""
    primary = [e for e in emails if e.get("primary")]
    work = [e for e in emails if str(e.get("type", "")).lower() == "work"]
    chosen = (primary or work or emails or [{}])[0]
    return chosen.get("value")


def store_state(person: Person, state: dict[str, Any]) -> None:
    for key in STATE_KEYS:
        if key != "emails":
            setattr(person, key, state[key])
    person.email = state["email"] = work_email(state["emails"])
    person.scim_extra = {**(person.scim_extra or {}), "emails": state["emails"]}
    person.user_name_key = state["user_name"].lower()
    if not person.display_name:
        person.display_name = " ".join(p for p in (person.given_name, person.family_name) if p) or None


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def user_model(person: Person, location: Any) -> StaffUser:
    """The SCIM User resource of ``person``; ``location(path)`` makes public links."""
    user = StaffUser(
        id=person.id,
        external_id=person.external_id,
        user_name=person.user_name,
        name=PersonName(given_name=person.given_name, family_name=person.family_name)
        if person.given_name or person.family_name
        else None,
        display_name=person.display_name,
        title=person.title,
        active=person.active,
        emails=[PersonEmail(**e) for e in emails_of(person)] or None,
        meta=Meta(
            resource_type="User",
            created=_utc(person.created_at),
            last_modified=_utc(person.updated_at),
            location=location(f"/scim/v2/Users/{person.id}"),
            version=f'W/"{person.version}"',
        ),
    )
    enterprise = EnterpriseUser(
        employee_number=person.employee_number,
        cost_center=person.cost_centre,
        organization=person.organization,
        division=person.division,
        department=person.department,
        manager={"value": person.manager_id, "$ref": location(f"/scim/v2/Users/{person.manager_id}")}
        if person.manager_id
        else None,
    )
    user[EnterpriseUser] = enterprise
    return user


def dump(resource: Any, params: ResponseParameters[Any] | None, context: Context) -> dict[str, Any]:
    """A resource as JSON, projected by ``attributes`` / ``excludedAttributes`` (RFC 7644 § 3.9)."""
    return dict(resource.model_dump(scim_ctx=context, response_parameters=params))
