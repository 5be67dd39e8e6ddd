"""The workload's writes: cost entries (posted, edited with If-Match, and the deliberate conflicts),
timeline posts, coaching events and pilots. Each acknowledged write is recorded as an :class:`Ack`
with the values it must still have afterwards; a write answered 5xx or not at all is counted as one
with an unknown outcome (it may or may not have happened)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from benchmarks.loadfault.record import Ack, Recorder
from benchmarks.loadfault.state import ClientState, Entry
from hanke_libs.etag import parse_version_etag, version_etag

PROJECT = "S21894"
CATEGORIES = ("purchased_services", "travel", "other", "rents")
Answer = tuple[int, Any, dict[str, str]]


class Writes:
    """Mixed into :class:`benchmarks.loadfault.workload.Workload`, which sends the requests."""

    rec: Recorder
    run_id: str
    pilots: list[str]
    owners: list[str]

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
    ) -> Answer:
        raise NotImplementedError

    def any_pilot(self, s: ClientState) -> str:
        return s.rng.choice(self.pilots) if self.pilots else s.pilot

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
            headers={"If-Match": version_etag(entry.version)},
            allowed=(412,) if entry.uncertain else (),
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
                    headers={"If-Match": version_etag(entry.version)},
                    allowed=(412,),
                )
                for b in bodies
            )
        )
        self.rec.pairs["cost_edit_race"].note((answers[0][0], answers[1][0]), 200, 412, entry.uncertain)
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
        versions = [parse_version_etag(h.get("etag", "")) for st, _, h in results if st == 200]
        clean = len(won) == 1 and not unknown and versions[0] is not None
        entry.version = (versions[0] or 0) if clean else 0  # 0: read it again before the next edit
        entry.uncertain = bool(unknown) or (entry.uncertain and not clean)

    async def fresh(self, entry: Entry) -> bool:
        """Make sure ``entry.version`` is current (after a fault or a conflict); False if unreadable."""
        if entry.version > 0:
            return True
        status, _, headers = await self.call("cost_read", "GET", entry.location, role="finance")
        version = parse_version_etag(headers.get("etag", ""))
        if status == 200 and version is not None:
            entry.version = version
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
            body={"title": title, "owner_id": self.owners[s.n]},
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
                    headers={"If-Match": version_etag(s.pilot_version)},
                    allowed=(412,),
                )
                for t in titles
            )
        )
        self.rec.pairs["pilot_edit_race"].note((answers[0][0], answers[1][0]), 200, 412, s.pilot_uncertain)
        won = [t for (st, _, _), t in zip(answers, titles, strict=True) if st == 200]
        unknown = [t for (st, _, _), t in zip(answers, titles, strict=True) if st >= 500 or st <= 0]
        if len(won) == 1 and not unknown:
            ack.expect["title"] = set(won)
        elif won or unknown:
            ack.expect["title"] = ack.expect["title"] | set(won) | set(unknown)
            self.rec.unknown_writes["pilot_edit_race"] += len(unknown)
        versions = [parse_version_etag(h.get("etag", "")) for st, _, h in answers if st == 200]
        s.pilot_version = max((v for v in versions if v is not None), default=0) if not unknown else 0
        s.pilot_uncertain = bool(unknown) or (s.pilot_uncertain and len(won) != 1)
