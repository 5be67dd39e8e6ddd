"""Who the caller is and which roles reach what: the role groups every concept's data layer uses.

Each concept (``people``, ``champions``, ``coaching``, ``assessments``, ``esr``, ``privacy``,
``scim``) has one data layer that takes the verified :class:`~hanke_libs.auth.Principal` and
returns only what that caller may see or touch; the role groups and the "is this the caller"
rule live here once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import String, and_, bindparam, or_
from sqlalchemy.sql.elements import ColumnElement

from hanke_libs.auth import Principal, Role, require_roles
from participants.models import Person

MANAGERS = (Role.admin, Role.project_manager)
STAFF = (Role.admin, Role.project_manager, Role.pilot_owner, Role.finance)
AGGREGATE_READERS = (Role.admin, Role.project_manager, Role.steering, Role.pilot_owner, Role.auditor)
NOT_HR_SYNC = (
    Role.admin,
    Role.project_manager,
    Role.finance,
    Role.pilot_owner,
    Role.champion,
    Role.steering,
    Role.auditor,
)

# The role checks as functions, for the lean handlers that call them directly (hanke_libs.leanroute).
manager = require_roles(*MANAGERS)
not_hr_sync = require_roles(*NOT_HR_SYNC)

Manager = Annotated[Principal, Depends(manager)]
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
Staff = Annotated[Principal, Depends(require_roles(*STAFF))]
AggregateReader = Annotated[Principal, Depends(require_roles(*AGGREGATE_READERS))]
NotHrSync = Annotated[Principal, Depends(not_hr_sync)]


def is_manager(principal: Principal) -> bool:
    return principal.has(*MANAGERS)


def is_caller(person: Person, principal: Principal) -> bool:
    """Whether ``person`` is the caller: by person id, or by external id / user name == subject."""
    if person.pseudonymised:
        return False
    return person.id == principal.person_id or principal.subject in (person.external_id, person.user_name)


def caller_clause(person: Any) -> ColumnElement[bool]:
    """:func:`is_caller` as SQL on ``person`` (the person table, or a CTE of its columns), with the
    caller given as the bind parameters of :func:`caller_params` (for a statement compiled once)."""
    subject = bindparam("caller_subject", type_=String())
    return and_(
        person.c.pseudonymised.is_(False),
        or_(
            person.c.id == bindparam("caller_person_id", type_=String()),
            person.c.external_id == subject,
            person.c.user_name == subject,
        ),
    )


def caller_params(principal: Principal) -> dict[str, str]:
    """The values of :func:`caller_clause`'s bind parameters for ``principal``."""
    return {"caller_person_id": principal.person_id, "caller_subject": principal.subject}
