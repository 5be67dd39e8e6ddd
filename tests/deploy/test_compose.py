"""docker-compose.yml: structure checked here (no Docker engine runs on these machines), and
validated with ``docker-compose config`` where Debian's docker-compose is installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"budget": 8001, "pilots": 8002, "participants": 8003, "reports": 8004}
ENV = {
    "HANKE_DB_PASSWORD": "x",
    "HANKE_OIDC_ISSUER": "https://idp.example",
    "HANKE_OIDC_JWKS_URL": "https://idp.example/keys",
    "HANKE_PUBLIC_BASE_URL": "https://hanke.example",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_every_service_migrates_before_it_starts(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, port in SERVICES.items():
        app, migrate = services[name], services[f"{name}-migrate"]
        assert f"hanke migrate {name}" in " ".join(migrate["command"])
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert app["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
        assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert f"{port}/readyz" in " ".join(app["healthcheck"]["test"])
        url = app["environment"][f"HANKE_{name.upper()}_DATABASE_URL"]
        assert url.endswith(f"@postgres:5432/{name}")
        assert app["environment"][f"HANKE_{name.upper()}_ENVIRONMENT"] == "production"


def test_gateway_waits_for_healthy_services(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert {k: v["condition"] for k, v in gateway["depends_on"].items()} == dict.fromkeys(
        SERVICES, "service_healthy"
    )
    assert gateway["environment"]["HANKE_GATEWAY_BUDGET_URL"] == "http://budget:8001"
    assert "healthcheck" in gateway


def test_no_secret_is_written_in_the_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for line in text.splitlines():
        if re.search(r"(PASSWORD|SECRET|ISSUER|JWKS)\w*:", line):
            assert "${" in line, f"literal secret or URL in: {line.strip()}"
    assert re.search(r"postgresql://hanke:\$\{HANKE_DB_PASSWORD:\?", text)


def test_postgres_gets_one_database_per_service() -> None:
    script = (ROOT / "deploy/postgres/init-databases.sh").read_text()
    for name in SERVICES:
        assert name in script


def test_dockerfile_builds_the_workspace_from_the_lock_file() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev --all-packages" in dockerfile
    assert "USER hanke" in dockerfile


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_docker_compose_config_validates() -> None:
    result = subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=ROOT,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    missing = subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("HANKE_")},
    )
    assert missing.returncode != 0 and "HANKE_" in missing.stderr
