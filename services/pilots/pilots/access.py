"""Who may read and write what in the pilots service.

- ``admin`` and ``project_manager`` read and edit every pilot.
- ``pilot_owner`` reads every pilot and edits its own (``owner_id == principal.person_id``).
- ``champion`` reads pilots and posts to their timelines. The pilots service cannot know which
  pilots a champion follows (champions live in the participants service), so a champion may read
  and post on any pilot; the gateway narrows the view to the champion's own pilots.
- ``steering`` and ``auditor`` read.
- Survey values from fewer than 10 respondents are shown only to the pilot's owner, the project
  manager and admins (small-sample rule).
"""

from __future__ import annotations

from hanke_libs.auth import Principal, Role
from hanke_libs.problems import Forbidden
from pilots.models import Pilot

READ_ROLES = (Role.admin, Role.project_manager, Role.pilot_owner, Role.champion, Role.steering, Role.auditor)
MANAGER_ROLES = (Role.admin, Role.project_manager)
SMALL_SAMPLE_LIMIT = 10
SMALL_SAMPLE_RULE = (
    f"Survey-based measurements from fewer than {SMALL_SAMPLE_LIMIT} respondents are shown only to the "
    "pilot's owner, the project manager and admins; others see how many are hidden."
)


def is_manager(principal: Principal) -> bool:
    return principal.has(*MANAGER_ROLES)


def is_owner(principal: Principal, pilot: Pilot) -> bool:
    return principal.has(Role.pilot_owner) and pilot.owner_id == principal.person_id


def require_read(principal: Principal) -> None:
    if not principal.has(*READ_ROLES):
        raise Forbidden(
            "Reading pilots needs one of the roles: " + ", ".join(str(r) for r in READ_ROLES) + ".",
            required_roles=[str(r) for r in READ_ROLES],
        )


def can_edit(principal: Principal, pilot: Pilot) -> bool:
    return is_manager(principal) or is_owner(principal, pilot)


def require_edit(principal: Principal, pilot: Pilot) -> None:
    if not can_edit(principal, pilot):
        raise Forbidden(
            "Only the pilot's owner, the project manager or an admin may change this pilot.",
            slug="not-pilot-owner",
        )


def require_post(principal: Principal, pilot: Pilot) -> None:
    """Timeline posts: the owner, champions, the project manager and admins."""
    if not (can_edit(principal, pilot) or principal.has(Role.champion)):
        raise Forbidden(
            "Only the pilot's owner, champions, the project manager or an admin may post to its timeline.",
            slug="not-pilot-member",
        )


def sees_small_samples(principal: Principal, pilot: Pilot) -> bool:
    return is_manager(principal) or pilot.owner_id == principal.person_id and principal.has(Role.pilot_owner)
