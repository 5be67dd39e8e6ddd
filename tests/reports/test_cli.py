"""``hanke report interim`` writes the interim evaluation from the live services, with progress."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hanke_cli.main import main
from tests.reports.conftest import Live


def test_report_interim_writes_the_pdf_with_progress(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, url in live.urls.items():
        monkeypatch.setenv(f"HANKE_REPORTS_{name.upper()}_URL", url)
    out = tmp_path / "interim.pdf"
    assert main(["report", "interim", "--project", "S21894", "--as-of", "2021-01-01", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "reading the services as of 2021-01-01" in printed
    assert "budget /projects/S21894/figures/utilisation?as_of=2021-01-01: 200" in printed
    assert "rendering PDF (fi)" in printed and f"wrote {out}" in printed
    assert out.read_bytes().startswith(b"%PDF")
    if pdftotext := subprocess.run(["which", "pdftotext"], capture_output=True, text=True).stdout.strip():
        text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Väliarviointi" in text and "1.1.2021" in text
    as_json = tmp_path / "interim.json"
    assert main(["report", "interim", "--as-of", "2021-12-31", "--out", str(as_json), "--lang", "en"]) == 0
    assert '"Interim evaluation"' in as_json.read_text()


def test_report_interim_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "interim", "--as-of", "2021-13-01", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "not a date" in capsys.readouterr().err
    assert main(["report", "interim", "--as-of", "2021-01-01", "--out", str(tmp_path / "x.txt")]) == 2
    assert "--format" in capsys.readouterr().err
