"""The ``hanke`` command: tokens, migrations, and ``hanke up`` starting and stopping the product."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hanke_cli.main import main
from hanke_libs.auth import TokenVerifier
from hanke_libs.settings import AppSettings
from tests.cli.readme import ROOT, curl_command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_token_prints_a_valid_development_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--role", "finance", "--implementer", "0171450-7", "--subject", "p-7"]) == 0
    token = capsys.readouterr().out.strip()
    principal = await TokenVerifier(AppSettings()).verify(token)
    assert (
        principal.roles == {"finance"} and principal.implementer == "0171450-7" and principal.subject == "p-7"
    )


def test_token_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HANKE_GATEWAY_ENVIRONMENT", "production")
    monkeypatch.setenv("HANKE_GATEWAY_OIDC_ISSUER", "https://idp")
    monkeypatch.setenv("HANKE_GATEWAY_OIDC_JWKS_URL", "https://idp/keys")
    for name in ("BUDGET", "PILOTS", "PARTICIPANTS", "REPORTS"):
        monkeypatch.setenv(f"HANKE_GATEWAY_{name}_URL", "http://x")
    assert main(["token", "--role", "admin"]) == 2
    assert "production" in capsys.readouterr().err


def test_unknown_role_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["token", "--role", "emperor"])


def _free_base(count: int = 5) -> int:
    """A port with the next ``count - 1`` free too (for ``HANKE_BASE_PORT``)."""
    for _ in range(50):
        base = _free_port()
        if base + count >= 65535:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no five consecutive free ports")


def test_up_serves_every_app_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    """One setting (HANKE_BASE_PORT) moves every app and tells each where the others are; the docs
    are announced only when every app is ready."""
    base = _free_base()
    names = ("GATEWAY", "BUDGET", "PILOTS", "PARTICIPANTS", "REPORTS")
    ports = {name: base + offset for offset, name in enumerate(names)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANKE_")}
    env["HANKE_BASE_PORT"] = str(base)
    for name in names:
        env[f"HANKE_{name}_WORKERS"] = "1"  # one process per app keeps this test quick (see test_serve.py)
    for attempt in (1, 2):  # the second start reuses the data in var/
        proc = subprocess.Popen(
            [sys.executable, "-m", "hanke_cli.main", "up"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            pending = dict(ports)
            while pending and time.monotonic() < deadline:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                for name, port in list(pending.items()):
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                            del pending[name]
                    except httpx.HTTPError:
                        pass
                time.sleep(0.3)
            assert not pending, f"not ready: {pending}"
            docs = httpx.get(f"http://127.0.0.1:{ports['GATEWAY']}/docs", timeout=5)
            assert docs.status_code == 200
            # the services found each other on the moved ports: a view composed from all of them
            token = subprocess.run(
                [sys.executable, "-m", "hanke_cli.main", "token", "--role", "project_manager"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            view = httpx.get(
                f"http://127.0.0.1:{ports['GATEWAY']}/api/v1/views/projects/S21894/situation",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            assert view.status_code == 200 and view.json()["missing"] == [], view.text
            # the README's curl line, as written but for the moved port
            curl = curl_command().replace("127.0.0.1:8000", f"127.0.0.1:{ports['GATEWAY']}")
            listed = subprocess.run(
                ["bash", "-c", curl.replace("curl ", "curl -sS --fail-with-body ", 1)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert listed.returncode == 0, listed.stdout + listed.stderr
            assert "S21894" in listed.stdout, listed.stdout
            time.sleep(1.0)  # the announcement is polled every half second
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, output
        assert "hanke       | stopped" in output
        starting = [n for n, line in enumerate(output.splitlines()) if "starting on" in line]
        ready = [n for n, line in enumerate(output.splitlines()) if "all apps ready. API docs:" in line]
        assert len(starting) == 5 and len(ready) == 1 and ready[0] > max(starting), output
        assert f"http://127.0.0.1:{base}/docs" in output
        for prefix in ("gateway     |", "budget      |", "pilots      |", "participants|", "reports     |"):
            assert prefix in output
        assert (tmp_path / "var" / "budget.db").exists()
        if attempt == 2:
            assert "reference data: up to date" in output
