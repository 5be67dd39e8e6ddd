"""``hanke serve``: an app under several uvicorn workers whose metrics are summed across them; the
default number of workers is the machine's cores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hanke_libs.settings import AppSettings
from hanke_libs.testing import bearer
from tests.gateway.servers import free_port
from tests.libs.test_metrics import value


def test_workers_default_to_the_cores_and_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AppSettings().resolved_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("HANKE_WORKERS", "3")
    assert AppSettings().resolved_workers() == 3


def test_two_workers_serve_and_their_metrics_are_summed(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANKE_")}
    env.update(
        HANKE_GATEWAY_WORKERS="2",
        HANKE_GATEWAY_PORT=str(port),
        HANKE_GATEWAY_LOG_LEVEL="WARNING",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hanke_cli.main", "serve", "gateway"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    folder = tmp_path / "gateway"
    try:
        deadline = time.monotonic() + 90
        served = 0
        # Fresh connections until both workers have answered (each writes its own sample files).
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                with httpx.Client(base_url=base, timeout=2) as client:
                    served += client.get("/livez").status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            if len({p.stem.rsplit("_", 1)[-1] for p in folder.glob("*.db")}) >= 2:
                break
        pids = {p.stem.rsplit("_", 1)[-1] for p in folder.glob("*.db")}
        assert len(pids) == 2, f"{served} requests answered by worker(s) {pids}"
        admin = bearer(AppSettings(), "admin")
        labels = {"app": "gateway", "method": "GET", "route": "/livez", "status_class": "2xx"}
        for _ in range(4):  # whichever worker answers the scrape counts both workers' requests
            with httpx.Client(base_url=base, timeout=5) as client:
                scraped = client.get("/metrics", headers=admin)
            assert scraped.status_code == 200, scraped.text
            assert value(scraped.text, "hanke_http_request_duration_seconds_count", **labels) == served
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert not folder.exists() or folder.is_dir()
