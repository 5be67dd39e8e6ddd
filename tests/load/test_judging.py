"""The load suite's judgement on synthetic runs (no cluster, fast): each invariant passes on a clean
run and fails on the defect it is there to catch, so none of its checks is one that cannot fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.loadfault.cli import parse
from benchmarks.loadfault.faults import DatabaseRestart, ServiceKill, Window
from benchmarks.loadfault.importkill import ImportKill
from benchmarks.loadfault.logs import LogEvidence, collect
from benchmarks.loadfault.record import Ack, Recorder, Sample
from benchmarks.loadfault.report import Report, build, pct
from benchmarks.loadfault.verify import KindCheck, Verification

PROBLEM = "application/problem+json"
JSON = "application/json"


def clean_run() -> tuple[Recorder, dict[str, object]]:
    """Steady load 0-10 s, budget killed 10-20 s, import killed 20-25 s, PostgreSQL restarted 25-35 s."""
    rec = Recorder()
    for t in range(10):
        rec.add(Sample("summary", "budget", t, t + 0.1, 200, content_type=JSON))
        rec.add(Sample("pilot_read", "pilots", t, t + 0.1, 200, content_type=JSON))
    rec.add(Sample("summary", "budget", 11, 11.1, 503, "upstream-unavailable", False, content_type=PROBLEM))
    rec.add(Sample("pilot_read", "pilots", 12, 12.1, 200, content_type=JSON))
    rec.add(
        Sample("situation_view", "views", 12, 12.5, 200, expected=False, degraded=True, content_type=JSON)
    )
    rec.add(Sample("summary", "budget", 21, 21.1, 200, content_type=JSON))
    rec.add(Sample("summary", "budget", 26, 26.1, 503, "database-unavailable", False, content_type=PROBLEM))
    for name, (win, lose) in {
        "duplicate_voucher": (201, 409),
        "cost_edit_race": (200, 412),
        "pilot_edit_race": (200, 412),
    }.items():
        rec.pairs[name].note((win, lose), win, lose)
    for kind in ("cost", "pilot", "timeline", "coaching"):
        rec.ack(Ack(kind, "1", 1.0, expect={"title": {"x"}}))
    kill = ServiceKill("budget", 1.0, Window("kill budget", 10, 20, {"budget"}), recovery_s=5.0)
    imp = ImportKill(
        100, Window("import killed", 20, 25, set()), exit_code=-9, backend_at_kill="active: INSERT"
    )
    db = DatabaseRestart(Window("PostgreSQL restart", 25, 35, {"budget", "pilots", "participants"}))
    db.recovery_s = {"budget": 3.0, "pilots": 3.0, "participants": 3.0}
    db.same_process = {"budget": True, "pilots": True, "participants": True}
    verification = Verification(
        kinds={k: KindCheck(acked=1, found=1) for k in ("cost", "pilot", "timeline", "coaching")},
        summary_differences=[],
        unaudited={"cost": 0},
    )
    return rec, {"kill": kill, "imp": imp, "db": db, "verification": verification}


def judge(rec: Recorder, parts: dict[str, object]) -> Report:
    return build(
        rec,
        clients=2,
        steady=Window("steady", 0, 10, set()),
        kill=parts["kill"],  # type: ignore[arg-type]
        imp=parts["imp"],  # type: ignore[arg-type]
        db=parts["db"],  # type: ignore[arg-type]
        verification=parts["verification"],  # type: ignore[arg-type]
        deadline_ms=15_000,
        view_deadline_ms=20_000,
        log_evidence=LogEvidence(),
    )


def test_a_clean_run_holds_every_invariant() -> None:
    rec, parts = clean_run()
    report = judge(rec, parts)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert "INVARIANTS" in report.text()


@pytest.mark.parametrize(
    ("sample", "fails"),
    [
        (Sample("summary", "budget", 5, 5.2, 500, "internal", False, content_type=PROBLEM), "normal"),
        (
            Sample("pilot_read", "pilots", 5, 5.2, 409, "integrity-conflict", False, content_type=PROBLEM),
            "normal",
        ),
        (Sample("situation_view", "views", 5, 5.2, 200, expected=False, degraded=True), "normal"),
        (Sample("summary", "budget", 5, 25, 200, content_type=JSON), "deadline"),
        (Sample("summary", "budget", 1, 9.5, -1, expected=False), "normal+deadline"),
        (Sample("summary", "budget", 12, 12.1, 500, "internal", False, content_type=PROBLEM), "kill.own"),
        (Sample("summary", "budget", 12, 12.1, 503, expected=False, content_type="text/plain"), "kill.own"),
        (Sample("summary", "budget", 12, 12.1, 0, expected=False), "kill.own"),
        (
            Sample(
                "pilot_read", "pilots", 12, 12.1, 503, "upstream-unavailable", False, content_type=PROBLEM
            ),
            "kill.others",
        ),
        (
            Sample("situation_view", "views", 12, 12.1, 502, "bad-gateway", False, content_type=PROBLEM),
            "kill.views",
        ),
        (Sample("summary", "budget", 22, 22.1, 500, "internal", False, content_type=PROBLEM), "import.load"),
        (Sample("pilot_read", "pilots", 27, 27.1, 500, "internal", False, content_type=PROBLEM), "db.no500"),
    ],
)
def test_an_answer_not_allowed_fails_its_invariant(sample: Sample, fails: str) -> None:
    rec, parts = clean_run()
    rec.add(sample)
    report = judge(rec, parts)
    assert {c.key for c in report.failed()} == set(fails.split("+"))


def test_a_peer_that_is_down_may_make_another_service_answer_503() -> None:
    rec, parts = clean_run()
    rec.add(Sample("pilot_read", "pilots", 12, 12.1, 503, "peer-unavailable", False, content_type=PROBLEM))
    assert judge(rec, parts).ok


def test_lost_changed_unaudited_writes_and_summary_differences_fail() -> None:
    rec, parts = clean_run()
    v: Verification = parts["verification"]  # type: ignore[assignment]
    v.kinds["cost"].lost.append("/api/v1/budget/projects/S21894/costs/7")
    v.kinds["pilot"].changed.append("pilot 1: title='y'")
    v.unaudited["cost"] = 1
    v.summary_differences = [{"implementer": "x"}]
    rec.read_your_write_misses.append("/api/v1/budget/projects/S21894/costs/8")
    failed = {c.key for c in judge(rec, parts).failed()}
    assert failed == {"writes.lost", "writes.kept", "audit", "summary"}


def test_a_kind_of_write_never_acknowledged_fails_the_lost_write_check() -> None:
    rec, parts = clean_run()
    v: Verification = parts["verification"]  # type: ignore[assignment]
    del v.kinds["coaching"]
    assert {c.key for c in judge(rec, parts).failed()} == {"writes.lost"}


@pytest.mark.parametrize(
    ("statuses", "win", "lose"), [((200, 200), 200, 412), ((412, 412), 200, 412), ((201, 201), 201, 409)]
)
def test_a_conflicting_pair_must_have_exactly_one_winner(
    statuses: tuple[int, int], win: int, lose: int
) -> None:
    rec, parts = clean_run()
    name = "duplicate_voucher" if win == 201 else "cost_edit_race"
    rec.pairs[name].note(statuses, win, lose)
    assert [c.key for c in judge(rec, parts).failed()] == [f"pairs.{name}"]


def test_a_pair_kind_never_exercised_fails() -> None:
    rec, parts = clean_run()
    rec.pairs["pilot_edit_race"].one_winner = 0
    assert [c.key for c in judge(rec, parts).failed()] == ["pairs.pilot_edit_race"]


def test_a_killed_import_that_left_rows_or_ended_by_itself_fails() -> None:
    rec, parts = clean_run()
    imp: ImportKill = parts["imp"]  # type: ignore[assignment]
    imp.rows_after_kill = 3
    imp.exit_code = 0
    assert {c.key for c in judge(rec, parts).failed()} == {"import.rows", "import.killed_writing"}


def test_no_recovery_or_a_restarted_service_fails() -> None:
    rec, parts = clean_run()
    kill: ServiceKill = parts["kill"]  # type: ignore[assignment]
    db: DatabaseRestart = parts["db"]  # type: ignore[assignment]
    kill.recovery_s = None
    db.same_process["pilots"] = False
    assert {c.key for c in judge(rec, parts).failed()} == {"kill.recovered", "db.recovered"}


def test_tracebacks_are_counted_once_per_log_record(tmp_path: Path) -> None:
    log = tmp_path / "budget.log"
    log.write_text(
        "2026-12-01 18:51:28,919 ERROR hanke.errors: unexpected error\n"
        "Traceback (most recent call last):\n"
        '  File "/x/services/budget/budget/projects.py", line 44, in get\n'
        "asyncpg.exceptions.CannotConnectNowError: the database system is shutting down\n"
        "\nThe above exception was the direct cause of the following exception:\n\n"
        "Traceback (most recent call last):\n"
        '  File "/x/libs/hanke_libs/db.py", line 9, in session\n'
        "sqlalchemy.exc.DBAPIError: (asyncpg.Error) the database system is shutting down\n"
        "2026-12-01 18:51:29,001 INFO something else\n"
    )
    evidence = collect({"budget": log})
    (sig,) = evidence.by_app["budget"]
    assert (sig.count, sig.where) == (1, "libs/hanke_libs/db.py:9 in session")
    assert sig.exception.startswith("sqlalchemy.exc.DBAPIError")


def test_percentiles_and_the_command_line() -> None:
    assert pct([float(x) for x in range(1, 101)], 99) == 99.0
    assert pct([5.0], 50) == 5.0
    config = parse(["--clients", "3", "--seconds", "2", "--faults", "kill,db", "--kill-service", "pilots"])
    assert (config.clients, config.seconds, config.ramp_seconds, config.faults) == (
        3,
        2.0,
        2.0,
        ("kill", "db"),
    )
    assert config.kill_service == "pilots"
    with pytest.raises(SystemExit):
        parse(["--faults", "nonsense"])


def test_two_losers_after_an_unanswered_edit_are_unknown_not_a_failure() -> None:
    rec, parts = clean_run()
    rec.pairs["pilot_edit_race"].note((412, 412), 200, 412, uncertain=True)
    assert judge(rec, parts).ok
    rec.pairs["pilot_edit_race"].note((412, 412), 200, 412)
    assert [c.key for c in judge(rec, parts).failed()] == ["pairs.pilot_edit_race"]
