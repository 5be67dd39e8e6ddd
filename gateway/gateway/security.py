"""Authentication at the gateway and what roles may see in composed views.

The gateway checks every bearer token itself (issuer, audience, expiry, signature; ``alg: none``
never passes) with the shared :class:`~hanke_libs.auth.TokenVerifier` (which remembers a verified
token until it expires), then forwards the token so each service applies its own access rules.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from hanke_libs.auth import Principal, Role
from hanke_libs.problems import Unauthorized


async def authenticate(app: FastAPI, authorization: str | None) -> Principal:
    """The caller of a proxied request; 401 problem without a valid bearer token."""
    if not authorization:
        raise Unauthorized("A bearer token is required: send 'Authorization: Bearer <token>'.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("A bearer token is required: send 'Authorization: Bearer <token>'.")
    principal: Principal = await app.state.verifier.verify(token)
    return principal


# Roles that may see personal data in some form; each service still decides exactly what.
PERSONAL_DATA_ROLES = (
    Role.admin,
    Role.project_manager,
    Role.pilot_owner,
    Role.champion,
    Role.finance,
    Role.auditor,
)

# Keys that name or identify a person. Removed wherever they occur in a view for callers without
# a personal-data role (e.g. ``steering``: aggregates only).
PERSONAL_KEYS = frozenset(
    {
        "person_id",
        "person_ids",
        "person",
        "owner_id",
        "owner_ids",
        "owner",
        "owner_name",
        "owner_email",
        "champion_id",
        "champion_ids",
        "champion_name",
        "coach",
        "coach_id",
        "coach_name",
        "participant_id",
        "employee_id",
        "employee_number",
        "external_id",
        "externalId",
        "user_name",
        "userName",
        "username",
        "first_name",
        "last_name",
        "given_name",
        "family_name",
        "givenName",
        "familyName",
        "display_name",
        "displayName",
        "full_name",
        "email",
        "emails",
        "phone",
        "phone_number",
        "phoneNumbers",
        "birth_date",
        "birth_year",
        "created_by",
        "updated_by",
        "actor",
        "author",
        "subject",
        "sub",
    }
)
# Suffixes of further identifying keys (``approver_person_id``, ``contact_email``, ``locked_by``).
PERSONAL_SUFFIXES = ("_person_id", "_person_ids", "_email", "_phone", "_person_name", "_by", "author_id")
# Lists of people: replaced by their length (``champions`` -> ``champions_count``).
PERSON_LISTS = frozenset({"champions", "people", "persons", "members", "participants_list", "enrolments"})


def may_see_personal_data(principal: Principal) -> bool:
    return principal.has(*PERSONAL_DATA_ROLES)


def _is_person_record(obj: dict[str, Any]) -> bool:
    return any(k in obj for k in ("person_id", "email", "first_name", "last_name", "given_name", "userName"))


def strip_personal(value: Any) -> Any:
    """``value`` without names, owner ids, person ids or contact data, at any depth.

    A ``name`` key is removed only from records that describe a person (they carry a person id,
    e-mail or name parts); a pilot's or project's name stays.
    """
    if isinstance(value, list):
        return [strip_personal(v) for v in value]
    if not isinstance(value, dict):
        return value
    person = _is_person_record(value)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in PERSONAL_KEYS or key.endswith(PERSONAL_SUFFIXES) or (person and key == "name"):
            continue
        if key in PERSON_LISTS and isinstance(item, list) and any(isinstance(i, dict) for i in item):
            out[f"{key}_count"] = len(item)
            continue
        out[key] = strip_personal(item)
    return out
