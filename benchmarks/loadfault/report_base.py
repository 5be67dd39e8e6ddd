"""The pieces of the judgement: a request against its window, checks, percentiles, tables."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from benchmarks.loadfault.faults import Window
from benchmarks.loadfault.record import Sample

FAULT_STATUSES = (503, 504)  # what the gateway may answer for a service that is down or too slow


@dataclass
class Check:
    key: str  # stable, for tests: normal, deadline, kill.*, import.*, db.*, writes.*, pairs.*, summary, audit
    name: str
    ok: bool
    detail: str


@dataclass
class Judged:
    """The requests of one window, by how they were answered."""

    samples: list[Sample] = field(default_factory=list)
    bad: list[Sample] = field(default_factory=list)  # answers not allowed in this window
    hangs: list[Sample] = field(default_factory=list)


def pct(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def overlaps(s: Sample, w: Window) -> bool:
    return s.start <= w.end and s.end >= w.start


def allowed_in_fault(s: Sample, w: Window) -> bool:
    """Inside a fault window: what the workload expects, a 503/504 problem for an affected service's
    route, a view with its parts missing, or a peer's 503 for a route that needs the killed service."""
    if s.expected:
        return True
    problem_doc = "problem+json" in s.content_type
    if s.service == "views":
        return s.degraded and 200 <= s.status < 300
    if s.service in w.affected:
        return s.status in FAULT_STATUSES and problem_doc
    return s.status == 503 and problem_doc and s.problem == "peer-unavailable"


def judge(
    samples: Iterable[Sample], windows: list[Window], *, deadline_ms: float, view_deadline_ms: float
) -> dict[str, Judged]:
    """Samples by window name ('normal' outside every fault window)."""
    out: dict[str, Judged] = {"normal": Judged(), **{w.name: Judged() for w in windows}}
    for s in samples:
        inside = [w for w in windows if overlaps(s, w)]
        j = out[inside[0].name] if inside else out["normal"]
        j.samples.append(s)
        limit = view_deadline_ms if s.service == "views" else deadline_ms
        if s.status == -1 or s.ms > limit:
            j.hangs.append(s)
        ok = allowed_in_fault(s, inside[0]) if inside else s.expected
        if not ok:
            j.bad.append(s)
    return out


def statuses(samples: Iterable[Sample]) -> str:
    c = Counter(
        f"{s.status}{'/' + s.problem if s.problem and s.status >= 400 else ''}{' degraded' if s.degraded else ''}"
        for s in samples
    )
    return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) or "-"


def latency_table(samples: list[Sample], seconds: float) -> list[str]:
    by_kind: dict[str, list[Sample]] = {}
    for s in samples:
        by_kind.setdefault(s.kind, []).append(s)
    rows = [
        f"  {'kind':<18} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    ]
    for kind, group in sorted(by_kind.items()) + [("ALL", samples)]:
        ms = [s.ms for s in group]
        errors = sum(1 for s in group if not s.expected)
        rows.append(
            f"  {kind:<18} {len(group):>8} {errors:>6} {pct(ms, 50):>8.1f} {pct(ms, 90):>8.1f} "
            f"{pct(ms, 99):>8.1f} {max(ms, default=math.nan):>8.1f}"
        )
    rows.append(f"  throughput: {len(samples) / seconds:.1f} requests/s over {seconds:.1f} s")
    return rows


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, key: str, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(key, name, ok, detail))

    def get(self, key: str) -> Check:
        found = [c for c in self.checks if c.key == key]
        if not found:
            raise KeyError(f"no check {key!r} in this run (was its fault left out?)")
        return found[0]

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def text(self) -> str:
        out = list(self.lines) + ["", "INVARIANTS"]
        out += [f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in self.checks]
        out.append(
            f"RESULT: {'all invariants hold' if self.ok else f'{len(self.failed())} invariant(s) FAILED'}"
        )
        return "\n".join(out)


def examples(samples: list[Sample], n: int = 3) -> str:
    picked = [f"{s.kind} {s.status} {s.problem} {s.ms:.0f} ms {s.detail}".strip() for s in samples[:n]]
    return "; ".join(picked)


def bad_detail(bad: list[Sample]) -> str:
    return f"{statuses(bad)}" + (f"; e.g. {examples(bad)}" if bad else "")


def seconds_text(value: float | None) -> str:
    return "NOT within the bound" if value is None else f"{value:.2f} s"
