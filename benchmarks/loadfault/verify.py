"""After the load: every acknowledged write is looked for through the gateway's own lists.

Cost entries are read by keyset pages of the load's implementer, pilots, timeline posts and coaching
events by offset pages. A write is *lost* when its id is not found, *changed* when a field differs
from every value the workload could have left there. Vouchers booked twice are counted, and the
budget service's own summary check compares the ledger summary with the rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.loadfault.cluster import Cluster
from benchmarks.loadfault.record import Recorder
from benchmarks.loadfault.tokens import KUOPIO, Tokens

PROJECT = "S21894"


@dataclass
class KindCheck:
    acked: int = 0
    found: int = 0
    lost: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class Verification:
    kinds: dict[str, KindCheck] = field(default_factory=dict)
    duplicate_vouchers: list[str] = field(default_factory=list)
    summary_differences: Any = None
    errors: list[str] = field(default_factory=list)  # the verification itself could not read a list
    unaudited: dict[str, int] = field(default_factory=dict)  # acknowledged writes with no audit entry

    @property
    def lost(self) -> int:
        return sum(len(k.lost) for k in self.kinds.values())

    @property
    def changed(self) -> int:
        return sum(len(k.changed) for k in self.kinds.values())


def _pages(client: httpx.Client, path: str, errors: list[str], keyset: bool = False) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 200}
    for _ in range(100_000):
        answer = client.get(path, params=params)
        if answer.status_code != 200:
            errors.append(f"GET {path} {params} -> {answer.status_code} {answer.text[:200]}")
            return items
        page = answer.json()
        items += page["items"]
        if keyset:
            if not page.get("next_cursor"):
                return items
            params["cursor"] = page["next_cursor"]
        else:
            if page.get("next_offset") is None:
                return items
            params["offset"] = page["next_offset"]
    return items


def verify(gateway: str, tokens: Tokens, rec: Recorder) -> Verification:
    result = Verification()
    headers = {"Authorization": f"Bearer {tokens.get('admin')}"}
    with httpx.Client(base_url=gateway, headers=headers, timeout=60) as client:
        costs = _pages(
            client,
            f"/api/v1/budget/projects/{PROJECT}/costs?implementer={KUOPIO}",
            result.errors,
            keyset=True,
        )
        pilots = _pages(client, f"/api/v1/pilots/projects/{PROJECT}/pilots", result.errors)
        coaching = _pages(
            client, f"/api/v1/participants/coaching-events?project_code={PROJECT}", result.errors
        )
        parents = sorted({a.parent for a in rec.acks.values() if a.kind == "timeline"})
        timeline: list[dict[str, Any]] = []
        for pilot in parents:
            timeline += _pages(client, f"/api/v1/pilots/pilots/{pilot}/timeline", result.errors)
        found: dict[str, dict[str, dict[str, Any]]] = {
            "cost": {str(c["id"]): c for c in costs},
            "pilot": {str(p["id"]): p for p in pilots},
            "coaching": {str(c["id"]): c for c in coaching},
            "timeline": {str(t["id"]): t for t in timeline},
        }
        vouchers = Counter(str(c["voucher_ref"]) for c in costs)
        result.duplicate_vouchers = sorted(v for v, n in vouchers.items() if n > 1)
        check = client.post(f"/api/v1/budget/projects/{PROJECT}/admin/summaries/check")
        if check.status_code == 200:
            result.summary_differences = check.json().get("differences")
        else:
            result.errors.append(f"summary check -> {check.status_code} {check.text[:200]}")
    for ack in rec.acks.values():
        kc = result.kinds.setdefault(ack.kind, KindCheck())
        kc.acked += 1
        row = found[ack.kind].get(ack.key)
        if row is None:
            kc.lost.append(ack.location or ack.key)
            continue
        kc.found += 1
        for name, allowed in ack.expect.items():
            if name in row and str(row[name]) not in allowed:
                kc.changed.append(
                    f"{ack.kind} {ack.key}: {name}={row[name]!r}, expected one of {sorted(allowed)[:3]}"
                )
    return result


# ack kind -> (the owning service's database, the audit trail's entity type)
AUDITED = {
    "cost": ("budget", "cost_entry"),
    "pilot": ("pilots", "pilot"),
    "timeline": ("pilots", "timeline_post"),
    "coaching": ("participants", "coaching_event"),
}


def audit_check(cluster: Cluster, rec: Recorder, result: Verification) -> None:
    """Each acknowledged write has an entry in its service's append-only audit trail."""
    for kind, (database, entity_type) in AUDITED.items():
        keys = {a.key for a in rec.acks.values() if a.kind == kind}
        with cluster.admin(database) as conn:
            rows = conn.execute(
                "SELECT DISTINCT entity_id FROM audit_entry WHERE entity_type = %s", (entity_type,)
            )
            audited = {str(r[0]) for r in rows}
        result.unaudited[kind] = len(keys - audited)
