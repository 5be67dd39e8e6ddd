"""Judging the run: every request against the window it fell in, the invariants, the figures table."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from benchmarks.loadfault.faults import DatabaseRestart, ServiceKill, Window
from benchmarks.loadfault.importkill import ImportKill
from benchmarks.loadfault.logs import LogEvidence
from benchmarks.loadfault.logs import lines as log_lines
from benchmarks.loadfault.record import Recorder, Sample
from benchmarks.loadfault.verify import Verification

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


def build(
    rec: Recorder,
    *,
    clients: int,
    steady: Window,
    kill: ServiceKill | None,
    imp: ImportKill | None,
    db: DatabaseRestart | None,
    verification: Verification,
    deadline_ms: float,
    view_deadline_ms: float,
    log_evidence: LogEvidence,
) -> Report:
    r = Report()
    windows = [f.window for f in (kill, imp, db) if f is not None]
    if imp is not None and imp.rerun_window is not None:
        windows.append(imp.rerun_window)
    judged = judge(rec.samples, windows, deadline_ms=deadline_ms, view_deadline_ms=view_deadline_ms)
    steady_samples = [s for s in rec.samples if steady.start <= s.start and s.end <= steady.end]
    L = r.lines
    L.append(f"LOAD: {clients} clients, steady phase {steady.end - steady.start:.1f} s (no faults)")
    L += latency_table(steady_samples, steady.end - steady.start)
    fault_samples = [s for s in rec.samples if s.start > steady.end]
    if fault_samples:
        span = max(s.end for s in fault_samples) - steady.end
        L.append(f"LOAD during the fault phase ({span:.1f} s)")
        L += latency_table(fault_samples, span)

    normal = judged["normal"]
    L.append(
        f"outside fault windows: {len(normal.samples)} requests, unexpected answers: {len(normal.bad)} "
        f"({statuses(normal.bad)})"
    )
    if rec.unexpected_examples:
        L.append("  first unexpected answers: " + " | ".join(rec.unexpected_examples[:8]))
    r.check(
        "normal",
        "no unexpected answer outside fault windows (0 5xx; 409/412 only for deliberate conflicts)",
        not normal.bad and bool(normal.samples),
        f"{len(normal.bad)} of {len(normal.samples)}: {bad_detail(normal.bad)}",
    )
    hangs = [h for j in judged.values() for h in j.hangs]
    r.check(
        "deadline",
        "every answer within the gateway's deadline",
        not hangs,
        f"{len(hangs)} over {deadline_ms / 1000:.0f} s (views {view_deadline_ms / 1000:.0f} s)"
        + (f": {examples(hangs)}" if hangs else ""),
    )

    if kill is not None:
        j = judged[kill.window.name]
        mine = [s for s in j.samples if s.service == kill.service]
        others = [s for s in j.samples if s.service not in (kill.service, "views")]
        views = [s for s in j.samples if s.service == "views"]
        bad = {id(s) for s in j.bad}
        other_bad = [s for s in others if id(s) in bad]
        mine_bad = [s for s in mine if id(s) in bad]
        outage = [s for s in mine if s.status in FAULT_STATUSES]
        L.append(
            f"FAULT a: {kill.service} SIGKILLed, down {kill.down_seconds:.1f} s, restarted; recovery (kill -> first 2xx) "
            f"{_s(kill.recovery_s)}, restart -> first 2xx {_s(kill.restart_to_ok_s)}"
        )
        L.append(
            f"  {kill.service} routes in the window: {len(mine)} requests, max {max((s.ms for s in mine), default=0):.0f} ms: {statuses(mine)}"
        )
        L.append(
            f"  other services' routes: {len(others)} requests, errors {len(other_bad)} "
            f"({100 * len(other_bad) / max(1, len(others)):.2f} %): {statuses(other_bad)}"
        )
        L.append(f"  composed views: {len(views)} requests: {statuses(views)}")
        r.check(
            "kill.own",
            f"kill {kill.service}: its routes answer 2xx or 503/504 problems (seen), never a 500 or no answer",
            not mine_bad and bool(outage),
            f"{len(outage)} answered 503/504; not allowed: {bad_detail(mine_bad)}",
        )
        r.check(
            "kill.others",
            f"kill {kill.service}: other services' routes unaffected",
            not other_bad,
            bad_detail(other_bad),
        )
        r.check(
            "kill.views",
            f"kill {kill.service}: views answer (parts missing at most)",
            not [s for s in views if id(s) in bad],
            bad_detail([s for s in views if id(s) in bad]),
        )
        r.check(
            "kill.recovered",
            f"kill {kill.service}: recovered after restart",
            kill.recovery_s is not None,
            f"{_s(kill.recovery_s)}",
        )

    if imp is not None:
        L.append(
            f"FAULT b: ledger import of {imp.rows} rows SIGKILLed {imp.killed_after_s:.2f} s after start "
            f"(exit {imp.exit_code}); its session was: {imp.backend_at_kill or '-'}"
        )
        L.append(
            f"  cost_entry heap grew {imp.heap_growth_kb} kB under the open transaction; server ended the "
            f"session {_s(imp.backend_gone_s)} after the kill"
        )
        L.append(
            f"  import rows before {imp.rows_before}, after the kill {imp.rows_after_kill}; import audit entries "
            f"before {imp.audit_before}, after {imp.audit_after_kill}; re-run to completion added {imp.rerun_added}"
            + (f" in {imp.rerun_s:.1f} s" if imp.rerun_s is not None else "")
        )
        j = judged[imp.window.name]
        L.append(
            f"  load during the import window: {len(j.samples)} requests, unexpected {len(j.bad)}: {statuses(j.bad)}"
        )
        r.check(
            "import.rows",
            "killed import: 0 rows and 0 audit entries written",
            imp.rows_left == 0 and imp.audit_after_kill == imp.audit_before,
            f"{imp.rows_left} rows, {imp.audit_after_kill - imp.audit_before} audit entries left",
        )
        r.check(
            "import.killed_writing",
            "killed import: killed while writing (not before, not after its commit)",
            imp.exit_code == -9 and bool(imp.backend_at_kill) and not imp.problems,
            "; ".join(imp.problems) or "ok",
        )
        if imp.rerun_added is not None:
            r.check(
                "import.rerun",
                "the same file imported to completion writes every row",
                imp.rerun_added == imp.rows,
                f"{imp.rerun_added} of {imp.rows}",
            )
        r.check("import.load", "load unaffected by the killed import", not j.bad, bad_detail(j.bad))
        if imp.rerun_window is not None:
            jr = judged[imp.rerun_window.name]
            L.append(
                f"  the same {imp.rows} rows imported to completion beside the load: {len(jr.samples)} requests, "
                f"unexpected {len(jr.bad)}: {statuses(jr.bad)}; most budget sessions waiting on a lock: "
                f"{imp.rerun_lock_waiters}"
            )
            r.check(
                "import.rerun_load",
                "load unaffected while a large import commits (normal operation: no 5xx)",
                not jr.bad,
                bad_detail(jr.bad),
            )

    if db is not None:
        j = judged[db.window.name]
        L.append(
            f"FAULT c: PostgreSQL restarted (pg_ctl restart -m fast) in {db.restart_s:.2f} s; recovery "
            + ", ".join(f"{s} {_s(v)}" for s, v in db.recovery_s.items())
            + " (restart began -> first 2xx)"
        )
        for service in ("budget", "pilots", "participants", "views"):
            group = [s for s in j.samples if s.service == service]
            L.append(f"  {service}: {len(group)} requests in the window: {statuses(group)}")
        r.check(
            "db.no500",
            "PostgreSQL restart: answers during the outage are 503 problems, never 500",
            not j.bad,
            f"{len(j.bad)} not allowed: {bad_detail(j.bad)}",
        )
        r.check(
            "db.recovered",
            "PostgreSQL restart: every service recovered without a restart",
            all(v is not None for v in db.recovery_s.values()) and all(db.same_process.values()),
            f"recovery {db.recovery_s}, same process {db.same_process}",
        )

    v = verification
    L.append("WRITES (acknowledged -> found afterwards)")
    for kind, kc in sorted(v.kinds.items()):
        L.append(
            f"  {kind:<10} acknowledged {kc.acked:>6}  found {kc.found:>6}  lost {len(kc.lost):>4}  changed {len(kc.changed):>4}"
        )
    L.append(
        f"  writes with an unknown outcome (5xx / no answer, not counted as acknowledged): {dict(rec.unknown_writes)}"
    )
    for name, p in rec.pairs.items():
        L.append(
            f"  {name}: {p.rounds} pairs, one winner {p.one_winner}, both won {p.both_won}, none won "
            f"{p.none_won}, outcome unknown {p.unknown}" + (f" e.g. {p.examples}" if p.examples else "")
        )
    lost = [x for kc in v.kinds.values() for x in kc.lost] + rec.read_your_write_misses
    unexercised = [k for k in ("cost", "pilot", "timeline", "coaching") if k not in v.kinds]
    r.check(
        "writes.lost",
        "0 lost writes (every acknowledged write found afterwards, each kind exercised)",
        not lost and not v.errors and not unexercised,
        f"{len(lost)} lost of {sum(k.acked for k in v.kinds.values())}"
        + (f"; no acknowledged write of {unexercised}" if unexercised else "")
        + (f": {lost[:5]}" if lost else "")
        + (f"; verification errors {v.errors[:3]}" if v.errors else ""),
    )
    changed = [x for kc in v.kinds.values() for x in kc.changed]
    r.check(
        "writes.kept",
        "acknowledged values kept",
        not changed,
        f"{len(changed)}" + (f": {changed[:3]}" if changed else ""),
    )
    what = {
        "duplicate_voucher": "the same voucher posted twice at once: one 201, one 409 (no double booking)",
        "cost_edit_race": "a cost entry edited twice at once with one If-Match: one 200, one 412 (no lost update)",
        "pilot_edit_race": "a pilot edited twice at once with one If-Match: one 200, one 412 (no lost update)",
    }
    for name, p in rec.pairs.items():
        twice = v.duplicate_vouchers if name == "duplicate_voucher" else []
        r.check(
            f"pairs.{name}",
            what[name],
            p.both_won == 0 and p.none_won == 0 and not twice and p.one_winner > 0,
            f"{p.rounds} pairs: one winner {p.one_winner}, both won {p.both_won}, none won {p.none_won}"
            + (f", vouchers booked twice {len(twice)}" if name == "duplicate_voucher" else ""),
        )
    r.check(
        "summary",
        "ledger summary equals its rows (budget summaries check)",
        v.summary_differences == [],
        f"differences {v.summary_differences!r:.300}",
    )
    L.append("unaudited acknowledged writes: " + ", ".join(f"{k} {n}" for k, n in v.unaudited.items()))
    r.check(
        "audit",
        "every acknowledged write is in its service's audit trail",
        not any(v.unaudited.values()),
        f"{v.unaudited}",
    )
    L += log_lines(log_evidence)
    return r


def _s(value: float | None) -> str:
    return "NOT within the bound" if value is None else f"{value:.2f} s"
