"""The mixed read/write workload through the gateway: N closed-loop clients on one pooled aiohttp
session, each picking a request kind by weight until told to stop.

Reads: the project summary, ledger pages (keyset), one's own cost entries read back, pilot lists,
pilots, a pilot's timeline, the portfolio, coaching events and totals, and the composed views
(situational picture, pilot overview). Writes: cost entries posted as finance (Location recorded),
entries edited with If-Match, timeline posts, coaching events, pilots. Deliberate conflicts: the same
voucher posted twice at once (one 201, one 409) and the same entry or pilot edited twice at once
with one If-Match (one 200, one 412). Nothing else may be answered with an error in normal operation.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import Any

import aiohttp

from benchmarks.loadfault.record import Recorder, Sample
from benchmarks.loadfault.state import ClientState
from benchmarks.loadfault.tokens import Tokens
from benchmarks.loadfault.writes import Writes

PROJECT = "S21894"

# kind -> (weight, service)
KINDS: dict[str, tuple[int, str]] = {
    "summary": (10, "budget"),
    "ledger_page": (10, "budget"),
    "cost_read": (8, "budget"),
    "pilot_list": (8, "pilots"),
    "pilot_read": (8, "pilots"),
    "timeline_read": (4, "pilots"),
    "portfolio": (4, "pilots"),
    "coaching_list": (5, "participants"),
    "coaching_totals": (3, "participants"),
    "situation_view": (6, "views"),
    "pilot_overview": (4, "views"),
    "post_cost": (12, "budget"),
    "patch_cost": (4, "budget"),
    "duplicate_voucher": (2, "budget"),
    "cost_edit_race": (2, "budget"),
    "timeline_post": (6, "pilots"),
    "pilot_edit_race": (2, "pilots"),
    "coaching_event": (4, "participants"),
}


class Workload(Writes):
    """The clients and the shared facts they use (the pilots that exist, tokens, the run id)."""

    def __init__(
        self, gateway: str, tokens: Tokens, recorder: Recorder, *, run_id: str, client_timeout: float = 60.0
    ) -> None:
        self.gateway = gateway.rstrip("/")
        self.tokens = tokens
        self.rec = recorder
        self.run_id = run_id
        self.client_timeout = client_timeout
        self.pilots: list[str] = []
        self.owners: list[str] = []  # person ids provisioned before the load: each client's pilot owner
        self.stop = asyncio.Event()
        self.session: aiohttp.ClientSession | None = None

    # -- one request --------------------------------------------------------------------------
    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        role: str = "pm",
        body: Any = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        allowed: tuple[int, ...] = (),
    ) -> tuple[int, Any, dict[str, str]]:
        """Send one request and record it; returns (status, JSON body or None, headers)."""
        assert self.session is not None
        service = KINDS.get(kind, (0, "budget" if "cost" in kind else "pilots"))[1]
        hdrs = {"Authorization": f"Bearer {self.tokens.get(role)}", **(headers or {})}
        data = None if body is None else json.dumps(body)
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        began = time.monotonic()
        status, payload, rh, ctype = 0, None, {}, ""
        detail = ""
        try:
            async with self.session.request(method, self.gateway + path, data=data, headers=hdrs) as resp:
                raw = await resp.read()
                status, rh = resp.status, {k.lower(): v for k, v in resp.headers.items()}
                ctype = rh.get("content-type", "")
                if "json" in ctype and raw:
                    try:
                        payload = json.loads(raw)
                    except ValueError:
                        detail = "unparseable JSON body"
                elif status >= 400:
                    detail = raw[:200].decode(errors="replace")
        except TimeoutError:
            status, detail = -1, f"no answer in {self.client_timeout:.0f} s"
        except aiohttp.ClientError as exc:
            status, detail = 0, repr(exc)
        end = time.monotonic()
        problem = ""
        if isinstance(payload, dict) and "problem+json" in ctype:
            problem = str(payload.get("type", "")).rsplit("/", 1)[-1]
            detail = detail or str(payload.get("detail", ""))
        missing = payload.get("missing") if isinstance(payload, dict) else None
        degraded = bool(missing)
        expected = (status in ok or status in allowed) and not degraded
        if missing:
            detail = f"missing {[(m.get('part'), m.get('reason')) for m in missing]}"
        self.rec.add(
            Sample(kind, service, began, end, status, problem, expected, degraded, ctype),
            f"{method} {path} {detail}",
        )
        return status, payload, rh

    # -- the clients --------------------------------------------------------------------------
    async def run(self, clients: int, ramp_seconds: float = 0.0) -> None:
        """Run ``clients`` clients until ``stop`` is set; they start evenly over ``ramp_seconds``."""
        timeout = aiohttp.ClientTimeout(total=self.client_timeout)
        # Idle connections are dropped after 2 s, before uvicorn's own 5 s keep-alive timeout closes
        # them: a request must never be written on a connection the gateway is closing (that race
        # is the client's, and would show as a connection error that is not the product's).
        connector = aiohttp.TCPConnector(limit=clients * 2 + 10, keepalive_timeout=2)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            self.session = session
            await self.provision_owners(clients)
            await asyncio.gather(*(self.client(n, n * ramp_seconds / clients) for n in range(clients)))
        self.session = None

    async def provision_owners(self, clients: int) -> None:
        """One person per client (SCIM, as the HR system does), to own the client's pilots: a pilot's
        owner must be a person the participants service knows. Not timed, not part of the load."""
        assert self.session is not None
        headers = {
            "Authorization": f"Bearer {self.tokens.get('hr_sync')}",
            "Content-Type": "application/scim+json",
        }
        while len(self.owners) < clients:
            n = len(self.owners)
            user = {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": f"load-owner-{self.run_id}-{n}@kuopio.example",
                "name": {"givenName": "Load", "familyName": f"Owner {n}"},
                "emails": [{"value": f"load-owner-{self.run_id}-{n}@kuopio.example", "primary": True}],
                "active": True,
            }
            async with self.session.post(
                self.gateway + "/scim/v2/Users", data=json.dumps(user), headers=headers
            ) as resp:
                body = await resp.read()
                if resp.status != 201:
                    raise RuntimeError(f"provisioning a pilot owner failed: {resp.status} {body[:300]!r}")
                self.owners.append(str(json.loads(body)["id"]))

    async def client(self, n: int, delay: float = 0.0) -> None:
        await asyncio.sleep(delay)
        state = ClientState(n, random.Random(f"{self.run_id}-{n}"))
        kinds, weights = list(KINDS), [w for w, _ in KINDS.values()]
        while not self.stop.is_set():
            if not state.pilot:
                await self.create_pilot(state)
                continue
            kind = state.rng.choices(kinds, weights)[0]
            await getattr(self, kind)(state)

    # -- reads --------------------------------------------------------------------------------
    async def summary(self, s: ClientState) -> None:
        await self.call("summary", "GET", f"/api/v1/budget/projects/{PROJECT}/summary")

    async def ledger_page(self, s: ClientState) -> None:
        query = f"?limit=50&cursor={s.cursor}" if s.cursor else "?limit=50"
        status, body, _ = await self.call(
            "ledger_page", "GET", f"/api/v1/budget/projects/{PROJECT}/costs{query}", role="finance"
        )
        s.cursor = body.get("next_cursor") if status == 200 and isinstance(body, dict) else None

    async def cost_read(self, s: ClientState) -> None:
        if not s.entries:
            return await self.summary(s)
        entry = s.rng.choice(s.entries)
        status, _, _ = await self.call("cost_read", "GET", entry.location, role="finance")
        if status == 404:
            self.rec.read_your_write_misses.append(entry.location)

    async def pilot_list(self, s: ClientState) -> None:
        await self.call("pilot_list", "GET", f"/api/v1/pilots/projects/{PROJECT}/pilots?limit=50")

    async def pilot_read(self, s: ClientState) -> None:
        await self.call("pilot_read", "GET", f"/api/v1/pilots/pilots/{self.any_pilot(s)}")

    async def timeline_read(self, s: ClientState) -> None:
        await self.call(
            "timeline_read", "GET", f"/api/v1/pilots/pilots/{self.any_pilot(s)}/timeline?limit=20"
        )

    async def portfolio(self, s: ClientState) -> None:
        await self.call("portfolio", "GET", f"/api/v1/pilots/projects/{PROJECT}/portfolio")

    async def coaching_list(self, s: ClientState) -> None:
        await self.call(
            "coaching_list", "GET", f"/api/v1/participants/coaching-events?project_code={PROJECT}&limit=20"
        )

    async def coaching_totals(self, s: ClientState) -> None:
        await self.call("coaching_totals", "GET", f"/api/v1/participants/projects/{PROJECT}/coaching-totals")

    async def situation_view(self, s: ClientState) -> None:
        await self.call("situation_view", "GET", f"/api/v1/views/projects/{PROJECT}/situation")

    async def pilot_overview(self, s: ClientState) -> None:
        await self.call("pilot_overview", "GET", f"/api/v1/views/pilots/{self.any_pilot(s)}/overview")
