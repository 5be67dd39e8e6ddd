"""Facts the pilots service owns, asked as the caller (``hanke_libs.peers``, ADR 0001).

- :meth:`PilotFacts.relation`: the caller's relation to a pilot (``is_owner``, ``project_code``);
  a pilot owner reads the champions only of pilots it owns.
- :meth:`PilotFacts.check_pilot` and :meth:`PilotFacts.check_project`: every cross-service
  reference is checked when it is written; an unknown pilot or project, or a pilot of another
  project, is a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from hanke_libs.auth import CurrentPrincipal, Principal
from hanke_libs.peers import PeerClient, PeerUnavailable, peer
from hanke_libs.problems import Forbidden, InvalidParam, UnprocessableContent


class PilotFacts:
    """The pilots service as seen by one caller."""

    def __init__(self, client: PeerClient, principal: Principal) -> None:
        self.client = client
        self.principal = principal

    async def relation(self, pilot_id: str) -> dict[str, Any] | None:
        """The caller's relation to ``pilot_id``; None when the pilot does not exist."""
        answer = await self.client.get(f"/pilots/{quote(pilot_id, safe='')}/relation", self.principal)
        if answer.status == 404:
            return None
        if answer.status == 403:
            raise Forbidden("The pilots service does not let the caller see this pilot.")
        if not answer.ok or not isinstance(answer.body, dict):
            raise PeerUnavailable(f"The pilots service answered {answer.status} for pilot {pilot_id}.")
        return answer.body

    async def owns(self, pilot_id: str) -> bool:
        relation = await self.relation(pilot_id)
        return bool(relation and relation.get("is_owner"))

    async def check_pilot(self, pilot_id: str, project_code: str, field: str) -> None:
        """422 unless ``pilot_id`` is a pilot of ``project_code`` (asked as the caller)."""
        relation = await self.relation(pilot_id)
        if relation is None:
            raise UnprocessableContent(
                f"There is no pilot {pilot_id} in the pilots service.",
                slug="unknown-pilot",
                errors=[InvalidParam(name=field, reason=f"unknown pilot {pilot_id}")],
            )
        if relation.get("project_code") != project_code:
            raise UnprocessableContent(
                f"Pilot {pilot_id} belongs to project {relation.get('project_code')}, not {project_code}.",
                slug="pilot-of-another-project",
                errors=[InvalidParam(name=field, reason=f"pilot of project {relation.get('project_code')}")],
            )

    async def check_project(self, project_code: str, field: str) -> None:
        """422 unless the pilots service knows the project ``project_code``."""
        answer = await self.client.get(f"/projects/{quote(project_code, safe='')}", self.principal)
        if answer.status == 404:
            raise UnprocessableContent(
                f"There is no project {project_code}.",
                slug="unknown-project",
                errors=[InvalidParam(name=field, reason=f"unknown project {project_code}")],
            )
        if answer.status == 403:
            raise Forbidden(f"The caller may not read project {project_code} in the pilots service.")
        if not answer.ok:
            raise PeerUnavailable(f"The pilots service answered {answer.status} for project {project_code}.")


async def pilot_facts(request: Request, principal: CurrentPrincipal) -> PilotFacts:
    return PilotFacts(peer(request, "pilots"), principal)


PilotsDep = Annotated[PilotFacts, Depends(pilot_facts)]
