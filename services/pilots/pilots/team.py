"""Facts about a pilot's team that the participants service owns, asked as the caller (ADR 0001).

- :func:`champion_pilots`: the pilots the caller is an active champion of (``GET /me/enrolments``,
  cached ``peer_cache_seconds`` per caller, so an ended enrolment stops access within seconds).
- :func:`check_person`: a person id written into a pilot (its owner) exists and is active
  (``GET /people/{id}/reference``); 422 naming the field otherwise.

Participants down: a 503 problem naming the service (champions cannot be told apart, so their
access fails closed; callers who are not champions never ask).
"""

from __future__ import annotations

from urllib.parse import quote

from hanke_libs.auth import Principal
from hanke_libs.peers import PeerClient, PeerUnavailable
from hanke_libs.problems import Forbidden, InvalidParam, UnprocessableContent

PARTICIPANTS = "participants"


async def champion_pilots(client: PeerClient, principal: Principal) -> frozenset[str]:
    """Ids of the pilots ``principal`` is an active champion of today."""
    answer = await client.get("/me/enrolments", principal)
    if answer.status in (401, 403, 404):
        return frozenset()  # not a person the participants service knows as a champion
    body = answer.body
    if not answer.ok or not isinstance(body, dict) or not isinstance(body.get("pilots"), list):
        raise PeerUnavailable(
            "The participants service answered the enrolment look-up in an unexpected shape; try again shortly.",
            peer=PARTICIPANTS,
        )
    return frozenset(
        str(p["pilot_id"]) for p in body["pilots"] if isinstance(p, dict) and p.get("pilot_id") is not None
    )


async def check_person(client: PeerClient, principal: Principal, person_id: str, *, field: str) -> None:
    """422 naming ``field`` unless ``person_id`` is an active person in the participants service."""
    answer = await client.get(f"/people/{quote(person_id, safe='')}/reference", principal)
    if answer.status == 404:
        raise UnprocessableContent(
            f"{field}: no person {person_id!r} in the participants service; use the id of a person from "
            "GET /api/v1/participants/people.",
            slug="unknown-person",
            errors=[InvalidParam(name=field, reason=f"no person {person_id!r}")],
        )
    if answer.status == 403:
        raise Forbidden(
            f"{field}: you may not look up people in the participants service, so you cannot name {person_id!r}.",
            slug="person-lookup-forbidden",
        )
    if not answer.ok or not isinstance(answer.body, dict):
        raise PeerUnavailable(
            f"The participants service could not confirm person {person_id!r}; try again shortly.",
            peer=PARTICIPANTS,
        )
    if answer.body.get("active") is False:
        raise UnprocessableContent(
            f"{field}: person {person_id!r} is no longer active in the city's HR data; choose an active person.",
            slug="inactive-person",
            errors=[InvalidParam(name=field, reason=f"person {person_id!r} is not active")],
        )
