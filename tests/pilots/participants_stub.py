"""A stub of the participants service's contract (``GET /me/enrolments``, ``GET /people/{id}/reference``),
served through ``httpx.MockTransport`` to the pilots app's peer client."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import httpx
import jwt


class ParticipantsStub:
    """Enrolments per person, and which person ids are unknown or inactive (others exist, active)."""

    def __init__(self) -> None:
        self.enrolments: dict[str, set[str]] = defaultdict(set)
        self.unknown: set[str] = set()
        self.inactive: set[str] = set()
        self.calls: list[str] = []
        self.down = False

    def enrol(self, person_id: str, *pilot_ids: str) -> None:
        self.enrolments[person_id].update(pilot_ids)

    def end(self, person_id: str, pilot_id: str) -> None:
        self.enrolments[person_id].discard(pilot_id)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if self.down:
            return httpx.Response(503, json={"status": 503})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        person = str(claims.get("person_id") or claims["sub"])
        roles = claims.get("roles") or []
        path = request.url.path
        if path == "/me/enrolments":
            pilots = [
                {
                    "pilot_id": p,
                    "project_code": "S21894",
                    "role": "champion",
                    "start_date": "2021-01-01",
                    "end_date": None,
                }
                for p in sorted(self.enrolments.get(person, set()))
            ]
            return httpx.Response(
                200,
                json={
                    "person_id": person,
                    "as_of": dt.date.today().isoformat(),
                    "pilots": pilots,
                    "projects": ["S21894"] if pilots else [],
                },
            )
        if path.startswith("/people/") and path.endswith("/reference"):
            if not {"admin", "project_manager", "pilot_owner", "finance"} & set(roles):
                return httpx.Response(403, json={"status": 403, "detail": "staff only"})
            pid = path.removeprefix("/people/").removesuffix("/reference")
            if pid in self.unknown:
                return httpx.Response(404, json={"status": 404, "detail": f"no person {pid}"})
            return httpx.Response(200, json={"id": pid, "active": pid not in self.inactive})
        return httpx.Response(404, json={"status": 404})
