"""The caller as the pilots service sees them: every access rule of the service, in one place.

A :class:`Scope` is made per request from the verified principal (and, for champions, the pilots
they are enrolled in today, asked from participants). Every query of a domain object takes it
(``pilots.pilots.repository``); a route holds no query, so it cannot reach a table unscoped.

Who reaches what:

- ``admin``, ``project_manager``: read and edit every pilot; they alone record decisions
  (approval, the evaluation decision, establishment; ADR in docs/adr).
- ``pilot_owner``: reads every pilot; edits the pilots it owns (``owner_id`` = its person id).
- ``champion``: reads and posts on the pilots it is an active champion of, nothing else.
- ``steering``: reads every pilot with no person reference and no person-written text.
- ``auditor``: reads every pilot and the audit trail.
- ``finance``: ids, titles and project of pilots (to book costs to them), nothing else.
- Survey values from fewer than 10 respondents: the pilot's owner, project manager, admin.
- Private reflection answers: the pilot team (owner, its champions, project manager, admin).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import false, true
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import CurrentPrincipal, Principal, Role
from hanke_libs.db import Database, SessionDep
from hanke_libs.peers import PeerClient, peer
from hanke_libs.problems import Forbidden
from pilots.config import Settings
from pilots.models import Pilot
from pilots.team import PARTICIPANTS, champion_pilots

MANAGER_ROLES = (Role.admin, Role.project_manager)
READ_ALL_ROLES = (Role.admin, Role.project_manager, Role.pilot_owner, Role.steering, Role.auditor)
READ_ROLES = (*READ_ALL_ROLES, Role.champion)
TITLE_ROLES = (*READ_ROLES, Role.finance)
SMALL_SAMPLE_LIMIT = 10
SMALL_SAMPLE_RULE = (
    f"Survey-based measurements from fewer than {SMALL_SAMPLE_LIMIT} respondents are shown only to the "
    "pilot's owner, the project manager and admins; others see how many are hidden."
)


def _names(roles: tuple[Role, ...]) -> list[str]:
    return [str(r) for r in roles]


@dataclass(frozen=True)
class Scope:
    """The caller, their database session and the facts their access depends on."""

    session: AsyncSession
    principal: Principal
    settings: Settings
    participants: PeerClient
    champion_of: frozenset[str]
    # The service's database, for the hot reads on its read pool (pilots.pilots.hot); None: the
    # session path only.
    db: Database | None = None

    @property
    def person_id(self) -> str:
        return self.principal.person_id

    @property
    def is_manager(self) -> bool:
        return self.principal.has(*MANAGER_ROLES)

    @property
    def reads_all(self) -> bool:
        return self.principal.has(*READ_ALL_ROLES)

    @property
    def is_champion_role(self) -> bool:
        return self.principal.has(Role.champion)

    def require_read_role(self) -> None:
        """403 for callers who read no pilot at all (finance reads titles only, hr_sync nothing)."""
        if not self.principal.has(*READ_ROLES):
            hint = (
                " Finance reads pilot titles at GET /projects/{code}/pilot-titles."
                if self.principal.has(Role.finance)
                else ""
            )
            raise Forbidden(
                "Reading pilots needs one of the roles: " + ", ".join(_names(READ_ROLES)) + "." + hint,
                required_roles=_names(READ_ROLES),
            )

    def require_title_role(self) -> None:
        if not self.principal.has(*TITLE_ROLES):
            raise Forbidden(
                "Reading pilot titles needs one of the roles: " + ", ".join(_names(TITLE_ROLES)) + ".",
                required_roles=_names(TITLE_ROLES),
            )

    def require_manager(self, what: str) -> None:
        if not self.is_manager:
            raise Forbidden(
                f"{what} is a decision of the project: the project manager or an admin records it "
                "(with the steering group's reference).",
                slug="decision-needs-manager",
                required_roles=_names(MANAGER_ROLES),
            )

    def readable_clause(self) -> Any:
        """SQL condition on ``Pilot`` for the pilots this caller may read."""
        if self.reads_all:
            return true()
        if self.is_champion_role and self.champion_of:
            return col(Pilot.id).in_(sorted(self.champion_of))
        return false()

    def title_clause(self) -> Any:
        """SQL condition on ``Pilot`` for the pilots whose titles this caller may read."""
        if self.principal.has(Role.finance):
            return true()
        return self.readable_clause()

    # -- rules on one pilot --

    def is_owner(self, pilot: Pilot) -> bool:
        """The pilot names the caller as its owner (a fact, whatever the caller's roles)."""
        return pilot.owner_id == self.person_id

    def owns(self, pilot: Pilot) -> bool:
        return self.principal.has(Role.pilot_owner) and self.is_owner(pilot)

    def is_champion(self, pilot: Pilot) -> bool:
        return self.is_champion_role and pilot.id in self.champion_of

    def may_read(self, pilot: Pilot) -> bool:
        return self.reads_all or self.is_champion(pilot)

    def may_edit(self, pilot: Pilot) -> bool:
        return self.is_manager or self.owns(pilot)

    def in_team(self, pilot: Pilot) -> bool:
        """The pilot team: its owner, its champions, the project manager and admins."""
        return self.may_edit(pilot) or self.is_champion(pilot)

    def sees_small_samples(self, pilot: Pilot) -> bool:
        return self.is_manager or self.owns(pilot)

    def sees_private(self, pilot: Pilot) -> bool:
        return self.in_team(pilot)


async def _scope(request: Request, session: AsyncSession, principal: Principal) -> Scope:
    client = peer(request, PARTICIPANTS)
    champion_of = await champion_pilots(client, principal) if principal.has(Role.champion) else frozenset()
    return Scope(
        session=session,
        principal=principal,
        settings=request.app.state.settings,
        participants=client,
        champion_of=champion_of,
        db=request.app.state.db,
    )


async def scope_dependency(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Scope:
    """The request's :class:`Scope`; a champion's enrolments are asked before any query runs."""
    return await _scope(request, session, principal)


class _NoSession:
    """The session of a hot read's scope: none is opened (the read runs on the read pool); the
    read's session path opens one with :func:`with_read_session`. Any other use is a bug."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"a hot read's scope has no session (session.{name}); use with_read_session")


NO_SESSION = cast(AsyncSession, _NoSession())


async def hot_scope_dependency(request: Request, principal: CurrentPrincipal) -> Scope:
    """The :class:`Scope` of a hot read (``GET`` only): as :func:`scope_dependency`, without
    opening a database session it may not need."""
    return await _scope(request, NO_SESSION, principal)


@contextlib.asynccontextmanager
async def with_read_session(scope: Scope) -> AsyncIterator[Scope]:
    """``scope`` with a read session: its own, or (a hot read's scope) one opened here, as the
    session dependency opens it for a ``GET``."""
    if scope.session is not NO_SESSION:
        yield scope
        return
    assert scope.db is not None
    async with scope.db.read_session() as session:
        yield dataclasses.replace(scope, session=session)


ScopeDep = Annotated[Scope, Depends(scope_dependency)]
HotScopeDep = Annotated[Scope, Depends(hot_scope_dependency)]
