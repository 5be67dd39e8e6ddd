"""``hanke import-hr``: a dry run writes nothing, ``--commit`` writes, a repeat changes nothing, a bad
file is rejected whole with line numbers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from hanke_cli.main import main

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # shared/ lies beside the clone


@pytest.fixture
def participants_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "participants.db"
    monkeypatch.setenv("HANKE_PARTICIPANTS_DATABASE_URL", f"sqlite:///{path}")
    assert main(["migrate", "participants"]) == 0
    assert main(["seed", "participants"]) == 0
    return path


def _people(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM person").fetchone()[0])


@pytest.mark.skipif(not (DATA / "hr-export.csv").exists(), reason="shared/data sample files not present")
def test_import_hr_dry_run_commit_and_repeat(
    participants_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "import-hr",
        "--people",
        str(DATA / "hr-export.csv"),
        "--org-units",
        str(DATA / "hr-org-units.csv"),
    ]
    assert main(args) == 0
    assert "400 created" in capsys.readouterr().out  # the short human summary
    assert _people(participants_db) == 0
    assert main([*args, "--commit"]) == 0
    assert _people(participants_db) == 400
    capsys.readouterr()
    assert main([*args, "--commit", "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out)[-1]  # --json: stdout carries only the full report
    assert report["unchanged"] == 400 and report["changed"] == 0 and report["created_employee_numbers"] == []


def test_import_hr_bad_file_is_rejected_whole(
    participants_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Henkilönumero;Sukunimi\n1;x\n", encoding="utf-8")
    assert main(["import-hr", "--people", str(bad), "--commit"]) == 1
    out = capsys.readouterr().out
    assert "rejected, nothing written" in out and "line 1" in out
    assert _people(participants_db) == 0


@pytest.fixture
def budget_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "budget.db"
    monkeypatch.setenv("HANKE_BUDGET_DATABASE_URL", f"sqlite:///{path}")
    assert main(["migrate", "budget"]) == 0
    assert main(["seed", "budget"]) == 0
    return path


def _costs(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM cost_entry").fetchone()[0])


@pytest.mark.skipif(not (DATA / "ledger-extract.csv").exists(), reason="shared/data sample files not present")
def test_import_ledger_dry_run_commit_and_repeat(budget_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["import-ledger", str(DATA / "ledger-extract.csv"), "--project", "S21894"]
    assert main(args) == 0
    assert '"added": 900' in capsys.readouterr().out
    assert _costs(budget_db) == 0
    assert main([*args, "--commit"]) == 0
    assert _costs(budget_db) == 900
    capsys.readouterr()
    assert main([*args, "--commit"]) == 0
    assert '"unchanged": 900' in capsys.readouterr().out
