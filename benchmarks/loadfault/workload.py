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
import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.loadfault.record import Ack, Recorder, Sample
from benchmarks.loadfault.tokens import Tokens

PROJECT = "S21894"
KUOPIO = "0171450-7"
CATEGORIES = ("purchased_services", "travel", "other", "rents")

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
WRITES = {
    "post_cost",
    "patch_cost",
    "duplicate_voucher",
    "cost_edit_race",
    "timeline_post",
    "pilot_edit_race",
    "coaching_event",
    "create_pilot",
}


@dataclass
class Entry:
    id: int
    version: int
    location: str


@dataclass
class ClientState:
    n: int
    rng: random.Random
    entries: list[Entry] = field(default_factory=list)
    pilot: str = ""
    pilot_version: int = 1
    seq: int = 0
    cursor: str | None = None

    def next(self) -> int:
        self.seq += 1
        return self.seq


class Workload:
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
            await asyncio.gather(*(self.client(n, n * ramp_seconds / clients) for n in range(clients)))
        self.session = None

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

    def any_pilot(self, s: ClientState) -> str:
        return s.rng.choice(self.pilots) if self.pilots else s.pilot

    # -- writes -------------------------------------------------------------------------------
    def cost_body(self, s: ClientState, voucher: str) -> dict[str, Any]:
        day = dt.date(2020, 1, 1) + dt.timedelta(days=s.rng.randrange(0, 1000))
        cents = s.rng.randrange(100, 500_000)
        return {
            "entry_date": day.isoformat(),
            "category": s.rng.choice(CATEGORIES),
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "voucher_ref": voucher,
            "description": f"load {voucher}",
        }

    def voucher(self, s: ClientState, tag: str = "C") -> str:
        return f"LF{tag}-{self.run_id}-{s.n}-{s.next()}"

    def ack_cost(self, kind_body: dict[str, Any], body: Any, headers: dict[str, str]) -> Entry | None:
        location = headers.get("location", "")
        if not isinstance(body, dict) or not location:
            return None
        entry = Entry(int(body["id"]), int(body["version"]), location)
        expect = {k: {str(kind_body[k])} for k in ("amount", "voucher_ref", "description", "entry_date")}
        self.rec.ack(Ack("cost", str(entry.id), time.monotonic(), expect=expect, location=location))
        return entry

    async def post_cost(self, s: ClientState) -> None:
        data = self.cost_body(s, self.voucher(s))
        status, body, headers = await self.call(
            "post_cost",
            "POST",
            f"/api/v1/budget/projects/{PROJECT}/costs",
            role="finance",
            body=data,
            ok=(201,),
        )
        if status == 201:
            entry = self.ack_cost(data, body, headers)
            if entry:
                s.entries.append(entry)
        elif status >= 500 or status <= 0:
            self.rec.unknown_writes["post_cost"] += 1

    async def duplicate_voucher(self, s: ClientState) -> None:
        data = self.cost_body(s, self.voucher(s, "D"))
        path = f"/api/v1/budget/projects/{PROJECT}/costs"
        answers = await asyncio.gather(
            *(
                self.call(
                    "duplicate_voucher", "POST", path, role="finance", body=data, ok=(201,), allowed=(409,)
                )
                for _ in range(2)
            )
        )
        verdict = self.rec.pairs["duplicate_voucher"].note((answers[0][0], answers[1][0]), 201, 409)
        for status, body, headers in answers:
            if status == 201:
                entry = self.ack_cost(data, body, headers)
                if entry:
                    s.entries.append(entry)
        if verdict == "unknown":
            self.rec.unknown_writes["duplicate_voucher"] += 1

    def patch_body(self, s: ClientState, tag: str) -> dict[str, str]:
        return {"description": f"edit {tag} {self.run_id}-{s.n}-{s.next()}"}

    async def patch_cost(self, s: ClientState) -> None:
        if not s.entries:
            return await self.post_cost(s)
        entry = s.rng.choice(s.entries)
        if not await self.fresh(entry):
            return
        data = self.patch_body(s, "P")
        status, _, headers = await self.call(
            "patch_cost",
            "PATCH",
            entry.location,
            role="finance",
            body=data,
            headers={"If-Match": f'"{entry.version}"'},
        )
        self.after_edits(entry, [(status, data, headers)])

    async def cost_edit_race(self, s: ClientState) -> None:
        if not s.entries:
            return await self.post_cost(s)
        entry = s.rng.choice(s.entries)
        if not await self.fresh(entry):
            return
        bodies = [self.patch_body(s, "A"), self.patch_body(s, "B")]
        answers = await asyncio.gather(
            *(
                self.call(
                    "cost_edit_race",
                    "PATCH",
                    entry.location,
                    role="finance",
                    body=b,
                    headers={"If-Match": f'"{entry.version}"'},
                    allowed=(412,),
                )
                for b in bodies
            )
        )
        self.rec.pairs["cost_edit_race"].note((answers[0][0], answers[1][0]), 200, 412)
        self.after_edits(entry, [(st, b, h) for (st, _, h), b in zip(answers, bodies, strict=True)])

    def after_edits(self, entry: Entry, results: list[tuple[int, dict[str, str], dict[str, str]]]) -> None:
        """Update what the entry must hold: the acknowledged edit's value; every possible one when
        several were acknowledged or an outcome is unknown; refresh the version from the ETag."""
        ack = self.rec.acks.get(("cost", str(entry.id)))
        if ack is None:
            return
        won = [b["description"] for st, b, _ in results if st == 200]
        unknown = [b["description"] for st, b, _ in results if st >= 500 or st <= 0]
        if unknown:
            self.rec.unknown_writes["patch_cost"] += len(unknown)
        if len(won) == 1 and not unknown:
            ack.expect["description"] = set(won)
        elif won or unknown:
            ack.expect["description"] = ack.expect["description"] | set(won) | set(unknown)
        etags = [h.get("etag", "").strip('W/"') for st, _, h in results if st == 200]
        clean = len(won) == 1 and not unknown and etags[0].isdigit()
        entry.version = int(etags[0]) if clean else 0  # 0: read it again before the next edit

    async def fresh(self, entry: Entry) -> bool:
        """Make sure ``entry.version`` is current (after a fault or a conflict); False if unreadable."""
        if entry.version > 0:
            return True
        status, _, headers = await self.call("cost_read", "GET", entry.location, role="finance")
        tag = headers.get("etag", "").strip('W/"')
        if status == 200 and tag.isdigit():
            entry.version = int(tag)
            return True
        return False

    async def timeline_post(self, s: ClientState) -> None:
        pilot = self.any_pilot(s)
        text = f"progress {self.run_id}-{s.n}-{s.next()}"
        status, body, _ = await self.call(
            "timeline_post", "POST", f"/api/v1/pilots/pilots/{pilot}/timeline", body={"text": text}, ok=(201,)
        )
        if status == 201 and isinstance(body, dict):
            self.rec.ack(
                Ack("timeline", str(body["id"]), time.monotonic(), parent=pilot, expect={"text": {text}})
            )
        elif status >= 500 or status <= 0:
            self.rec.unknown_writes["timeline_post"] += 1

    async def coaching_event(self, s: ClientState) -> None:
        title = f"coaching {self.run_id}-{s.n}-{s.next()}"
        data = {
            "project_code": PROJECT,
            "kind": s.rng.choice(("coaching", "workshop", "peer_learning")),
            "title": title,
            "date": (dt.date(2020, 2, 1) + dt.timedelta(days=s.rng.randrange(900))).isoformat(),
            "hours": "1.50",
        }
        status, body, _ = await self.call(
            "coaching_event", "POST", "/api/v1/participants/coaching-events", body=data, ok=(201,)
        )
        if status == 201 and isinstance(body, dict):
            self.rec.ack(Ack("coaching", str(body["id"]), time.monotonic(), expect={"title": {title}}))
        elif status >= 500 or status <= 0:
            self.rec.unknown_writes["coaching_event"] += 1

    async def create_pilot(self, s: ClientState) -> None:
        title = f"Load pilot {self.run_id}-{s.n}-{s.next()}"
        status, body, _ = await self.call(
            "create_pilot",
            "POST",
            f"/api/v1/pilots/projects/{PROJECT}/pilots",
            body={"title": title, "owner_id": f"load-owner-{s.n}"},
            ok=(201,),
        )
        if status == 201 and isinstance(body, dict):
            s.pilot, s.pilot_version = str(body["id"]), int(body.get("version", 1))
            self.pilots.append(s.pilot)
            self.rec.ack(Ack("pilot", s.pilot, time.monotonic(), expect={"title": {title}}))
        else:
            if status >= 500 or status <= 0:
                self.rec.unknown_writes["create_pilot"] += 1
            await asyncio.sleep(0.2)  # the service is down: do not spin

    async def pilot_edit_race(self, s: ClientState) -> None:
        ack = self.rec.acks[("pilot", s.pilot)]
        if s.pilot_version <= 0:  # the version is unknown after a fault: read it first
            status, body, _ = await self.call("pilot_read", "GET", f"/api/v1/pilots/pilots/{s.pilot}")
            if status != 200 or not isinstance(body, dict):
                return
            s.pilot_version = int(body["version"])
        titles = [f"Load pilot {self.run_id}-{s.n}-{s.next()}" for _ in range(2)]
        answers = await asyncio.gather(
            *(
                self.call(
                    "pilot_edit_race",
                    "PATCH",
                    f"/api/v1/pilots/pilots/{s.pilot}",
                    body={"title": t},
                    headers={"If-Match": f'"{s.pilot_version}"'},
                    allowed=(412,),
                )
                for t in titles
            )
        )
        self.rec.pairs["pilot_edit_race"].note((answers[0][0], answers[1][0]), 200, 412)
        won = [t for (st, _, _), t in zip(answers, titles, strict=True) if st == 200]
        unknown = [t for (st, _, _), t in zip(answers, titles, strict=True) if st >= 500 or st <= 0]
        if len(won) == 1 and not unknown:
            ack.expect["title"] = set(won)
        elif won or unknown:
            ack.expect["title"] = ack.expect["title"] | set(won) | set(unknown)
            self.rec.unknown_writes["pilot_edit_race"] += len(unknown)
        etags = [h.get("etag", "").strip('W/"') for st, _, h in answers if st == 200]
        s.pilot_version = max((int(e) for e in etags if e.isdigit()), default=0) if not unknown else 0
