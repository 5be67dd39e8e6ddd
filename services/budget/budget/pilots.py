"""Facts about pilots, asked from the pilots service as the caller (``hanke_libs.peers``, ADR 0001).

The budget service owns costs, not pilots: whether a pilot exists, which project it belongs to and
whether the caller owns it are answered by pilots ``GET /pilots/{pilot_id}/relation``, with the
caller's own token, cached for a few seconds. Used when a cost names a pilot (it must exist and be
a pilot of the same project) and when a pilot owner reads the costs of a pilot (it must own it).

The CLI, which has no request, passes its own :class:`PilotDirectory` (see ``hanke_cli.budget``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import Depends, Request

from hanke_libs.auth import CurrentPrincipal, Principal
from hanke_libs.peers import PeerClient, PeerUnavailable, peer
from hanke_libs.problems import Forbidden, InvalidParam, UnprocessableContent

CONCURRENT_LOOKUPS = 8


class PilotDirectory(Protocol):
    async def relation(self, pilot_id: str) -> dict[str, Any] | None:
        """The caller's relation to the pilot (pilots' contract), or None when there is no such pilot."""
        ...


class PeerPilots:
    """The pilots service asked as ``principal``."""

    def __init__(self, client: PeerClient, principal: Principal) -> None:
        self.client = client
        self.principal = principal

    async def relation(self, pilot_id: str) -> dict[str, Any] | None:
        answer = await self.client.get(f"/pilots/{quote(pilot_id, safe='')}/relation", self.principal)
        if answer.status == 404:
            return None
        if not answer.ok or not isinstance(answer.body, dict):
            raise PeerUnavailable(
                f"The pilots service answered {answer.status} when asked about pilot {pilot_id!r}; "
                "try again shortly.",
                peer="pilots",
            )
        return answer.body


async def get_pilots(request: Request, principal: CurrentPrincipal) -> PilotDirectory:
    return PeerPilots(peer(request, "pilots"), principal)


PilotsDep = Annotated[PilotDirectory, Depends(get_pilots)]


def pilot_problem(pilot_id: str, relation: dict[str, Any] | None, project_code: str) -> str | None:
    """Why ``pilot_id`` cannot carry costs of ``project_code`` (None: it can)."""
    if relation is None:
        return f"there is no pilot {pilot_id!r} (asked the pilots service)"
    other = relation.get("project_code")
    if other != project_code:
        return f"pilot {pilot_id!r} belongs to project {other}, not {project_code}"
    return None


async def check_pilots(
    directory: PilotDirectory, project_code: str, pilot_ids: Iterable[str]
) -> dict[str, str | None]:
    """Each distinct pilot id with why it cannot carry the project's costs (None: fine), asked at once."""
    gate = asyncio.Semaphore(CONCURRENT_LOOKUPS)

    async def one(pilot_id: str) -> tuple[str, str | None]:
        async with gate:
            return pilot_id, pilot_problem(pilot_id, await directory.relation(pilot_id), project_code)

    return dict(await asyncio.gather(*(one(p) for p in sorted(set(pilot_ids)))))


async def require_pilot(
    directory: PilotDirectory, project_code: str, pilot_id: str | None, *, field: str = "body.pilot_id"
) -> None:
    """422 naming the pilot unless it exists and belongs to ``project_code``."""
    if pilot_id is None:
        return
    reason = pilot_problem(pilot_id, await directory.relation(pilot_id), project_code)
    if reason is not None:
        raise UnprocessableContent(
            f"pilot_id: {reason}. Book the cost without a pilot or to a pilot of project {project_code}.",
            slug="unknown-pilot",
            errors=[InvalidParam(name=field, reason=reason)],
            pilot_id=pilot_id,
        )


async def require_owner(directory: PilotDirectory, project_code: str, pilot_id: str) -> None:
    """403 unless the caller owns the pilot (a pilot owner reads only its own pilots' costs)."""
    relation = await directory.relation(pilot_id)
    if relation is None or relation.get("project_code") != project_code or not relation.get("is_owner"):
        raise Forbidden(
            f"A pilot owner reads the costs of the pilots it owns only; you do not own pilot {pilot_id!r} "
            f"of project {project_code}.",
            slug="not-pilot-owner",
        )
