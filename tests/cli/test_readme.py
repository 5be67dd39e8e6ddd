"""The README's commands work as written from a fresh shell in the checkout (no uv on the PATH, no
activated virtualenv): the development-token lines run through ``scripts/hanke``. The README's curl
line is run against a started product in test_hanke_command.py."""

from __future__ import annotations

import os
import subprocess

from hanke_libs.auth import TokenVerifier
from hanke_libs.settings import AppSettings
from tests.cli.readme import ROOT, curl_command, token_commands


def _fresh_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANKE_", "VIRTUAL_ENV", "UV_"))}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def _run(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=_fresh_env(), capture_output=True, text=True, timeout=120
    )


async def test_readme_token_commands_run_as_written() -> None:
    commands = token_commands()
    assert len(commands) >= 3, commands
    for line in commands:
        command = line.replace("<person id from the participants service>", "person-readme")
        result = _run(command)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        principal = await TokenVerifier(AppSettings()).verify(result.stdout.strip())
        role = command.split("--role", 1)[1].split()[0]
        assert principal.roles == {role}, (command, principal)
        if "--implementer" in command:
            assert principal.implementer == command.split("--implementer", 1)[1].split()[0]


def test_readme_curl_line_targets_the_gateway_with_a_readme_token() -> None:
    line = curl_command()
    assert "$(scripts/hanke token --role admin)" in line and "http://127.0.0.1:8000/api/v1/" in line
