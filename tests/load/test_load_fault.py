"""The load and fault suite in its short form: 20 clients for a few seconds on the whole product
(own PostgreSQL cluster, three services and the gateway as processes), each fault once under load,
then every invariant asserted. Timings are printed, never asserted (beyond generous recovery bounds):
the machine has two shared cores.

The run happens once per module; each test asserts one invariant of it, so a failure names the
invariant and its evidence. Full form: ``uv run python benchmarks/load_fault.py``.
"""

from __future__ import annotations

import dataclasses
import glob
import os
from collections.abc import Iterator

import pytest

from benchmarks.loadfault.report import Report
from benchmarks.loadfault.run import Config, Outcome, run
from hanke_libs.testing import backends
from tests.load.conftest import FIGURES

pytestmark = [
    pytest.mark.load,
    pytest.mark.skipif("postgresql" not in backends(), reason="the load suite runs on PostgreSQL only"),
    pytest.mark.skipif(
        not glob.glob("/usr/lib/postgresql/*/bin/initdb") and not os.environ.get("HANKE_LOADFAULT_PG_BINDIR"),
        reason="needs the PostgreSQL server binaries (apt-get install postgresql) for its own cluster",
    ),
]

SHORT = Config(
    clients=20,
    seconds=5,
    ramp_seconds=1,
    down_seconds=1,
    settle_seconds=1,
    import_rows=5000,
    import_rerun=False,
    recovery_timeout=90,
    # Generous deadlines: a shared two-core machine may be four times oversubscribed. An answer
    # later than these (plus the grace) still fails the deadline check.
    upstream_timeout=20,
    view_deadline=25,
)


@pytest.fixture(scope="module")
def outcome(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    # logs of a failed check go to pytest's temporary directory (it keeps the last three runs)
    result = run(dataclasses.replace(SHORT, logs_dir=tmp_path_factory.mktemp("loadfault-logs")))
    request.config.stash[FIGURES] = result.report.text()
    yield result


@pytest.fixture(scope="module")
def report(outcome: Outcome) -> Report:
    return outcome.report


def holds(report: Report, key: str) -> None:
    check = report.get(key)
    assert check.ok, f"{check.name}: {check.detail}"


def test_no_unexpected_answer_in_normal_operation(report: Report) -> None:
    holds(report, "normal")


def test_every_answer_within_the_deadline(report: Report) -> None:
    holds(report, "deadline")


def test_no_acknowledged_write_is_lost(report: Report) -> None:
    holds(report, "writes.lost")
    holds(report, "writes.kept")


def test_every_acknowledged_write_is_audited(report: Report) -> None:
    holds(report, "audit")


def test_ledger_summary_equals_its_rows(report: Report) -> None:
    holds(report, "summary")


def test_duplicate_voucher_booked_once(report: Report) -> None:
    holds(report, "pairs.duplicate_voucher")


def test_pilot_edit_race_one_winner(report: Report) -> None:
    holds(report, "pairs.pilot_edit_race")


def test_cost_edit_race_one_winner(report: Report) -> None:
    holds(report, "pairs.cost_edit_race")


def test_killed_service_answers_503_and_recovers(report: Report) -> None:
    holds(report, "kill.own")
    holds(report, "kill.recovered")


def test_killed_service_leaves_other_routes_unaffected(report: Report) -> None:
    holds(report, "kill.others")
    holds(report, "kill.views")


def test_killed_import_writes_nothing(report: Report) -> None:
    holds(report, "import.killed_writing")
    holds(report, "import.rows")
    holds(report, "import.load")


def test_database_restart_answers_503_not_500(report: Report) -> None:
    holds(report, "db.no500")


def test_database_restart_recovers_without_restarting_services(report: Report) -> None:
    holds(report, "db.recovered")
