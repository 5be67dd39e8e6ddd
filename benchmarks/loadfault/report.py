"""Judging the run: every request against the window it fell in, the invariants, the figures table."""

from __future__ import annotations

from benchmarks.loadfault.faults import DatabaseRestart, ServiceKill, Window
from benchmarks.loadfault.importkill import ImportKill
from benchmarks.loadfault.logs import LogEvidence
from benchmarks.loadfault.record import Recorder
from benchmarks.loadfault.report_base import (
    Check,
    Report,
    bad_detail,
    examples,
    judge,
    latency_table,
    pct,
    statuses,
)
from benchmarks.loadfault.sections import db_section, import_section, kill_section, writes_section
from benchmarks.loadfault.verify import Verification

__all__ = ["Check", "Report", "build", "judge", "pct"]


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
        kill_section(r, judged, kill)
    if imp is not None:
        import_section(r, judged, imp)
    if db is not None:
        db_section(r, judged, db)
    writes_section(r, rec, verification, log_evidence)
    return r
