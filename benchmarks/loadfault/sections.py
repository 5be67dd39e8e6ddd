"""The report's sections per fault and for the writes: figures appended to ``r.lines``, invariants
to ``r.checks``."""

from __future__ import annotations

from benchmarks.loadfault.faults import DatabaseRestart, ServiceKill
from benchmarks.loadfault.importkill import ImportKill
from benchmarks.loadfault.logs import LogEvidence
from benchmarks.loadfault.logs import lines as log_lines
from benchmarks.loadfault.record import Recorder
from benchmarks.loadfault.report_base import FAULT_STATUSES, Judged, Report, bad_detail, statuses
from benchmarks.loadfault.report_base import seconds_text as _s
from benchmarks.loadfault.verify import Verification


def kill_section(r: Report, judged: dict[str, Judged], kill: ServiceKill) -> None:
    L = r.lines
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


def import_section(r: Report, judged: dict[str, Judged], imp: ImportKill) -> None:
    L = r.lines
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


def db_section(r: Report, judged: dict[str, Judged], db: DatabaseRestart) -> None:
    L = r.lines
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


def writes_section(r: Report, rec: Recorder, verification: Verification, log_evidence: LogEvidence) -> None:
    L = r.lines
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
