"""The whole product on the private cluster: one database per service, migrated and seeded with
``hanke migrate`` / ``hanke seed`` (the command's ``main``, run in this process), and the three
services and the gateway as separate uvicorn processes on free loopback ports (as ``hanke up``
starts them), each with the others' URLs.

A service's peer URLs are found from its own settings class: every ``<other service>_url`` field
it declares (``HANKE_PILOTS_PARTICIPANTS_URL`` ...) gets that service's address, so a peer added
to a ``config.py`` is wired without a change here; the same variables are set for every pair anyway
(settings ignore unknown variables).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.loadfault.cluster import IMPORT_ROLE, Cluster
from benchmarks.loadfault.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("budget", "pilots", "participants")
APPS = (*SERVICES, "gateway")


def prefix(app: str) -> str:
    return f"HANKE_{app.upper()}_"


def declared_peer_fields(app: str) -> list[str]:
    """The ``<service>_url`` fields ``app``'s settings declare (its peers, or the gateway's upstreams)."""
    settings_cls = importlib.import_module(f"{app}.config").Settings
    return [name for name in settings_cls.model_fields if name.endswith("_url") and name[:-4] in SERVICES]


@dataclass
class App:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"{self.name}.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "5",
        ]
        with self.log.open("ab") as out:
            out.write(
                f"\n===== start {self.starts + 1} of {self.name} at {time.strftime('%H:%M:%S')}\n".encode()
            )
            out.flush()
            self.proc = subprocess.Popen(
                cmd, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1

    def wait_listening(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise RuntimeError(f"{self.name} exited ({code}); see {self.log}:\n{tail(self.log)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not listen on {self.port}; see {self.log}") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, no chance to clean up (its own pid only)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Product:
    """The cluster, the four apps and where their logs go."""

    cluster: Cluster
    workdir: Path
    upstream_timeout: float = 10.0
    view_deadline: float = 15.0
    apps: dict[str, App] = field(default_factory=dict)
    db_urls: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return self.apps["gateway"].url

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HANKE_")}
        for service in SERVICES:
            env[f"{prefix(service)}DATABASE_URL"] = self.db_urls[service]
        return env

    def import_env(self) -> dict[str, str]:
        """The CLI's environment for the killed import: the budget database as ``IMPORT_ROLE``."""
        env = self.base_env()
        env[f"{prefix('budget')}DATABASE_URL"] = self.cluster.url("budget", user=IMPORT_ROLE)
        return env

    def plan(self, *, log_level: str = "WARNING") -> None:
        """Ports, database URLs and each app's environment (nothing runs yet)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_urls = {service: self.cluster.url(service) for service in SERVICES}
        ports = {app: free_port() for app in APPS}
        urls = {app: f"http://127.0.0.1:{port}" for app, port in ports.items()}
        for app in APPS:
            env = self.base_env()
            env[f"{prefix(app)}LOG_JSON"] = "false"
            env[f"{prefix(app)}LOG_LEVEL"] = log_level
            env[f"{prefix(app)}PORT"] = str(ports[app])
            for other in SERVICES:
                if other != app:
                    env[f"{prefix(app)}{other.upper()}_URL"] = urls[other]
            if app == "gateway":
                env[f"{prefix(app)}UPSTREAM_TIMEOUT_SECONDS"] = str(self.upstream_timeout)
                env[f"{prefix(app)}VIEW_DEADLINE_SECONDS"] = str(self.view_deadline)
            self.apps[app] = App(app, ports[app], env, self.workdir / f"{app}.log")

    def start_gateway(self) -> None:
        """The gateway needs no database: it starts while the cluster is made (its start-up overlaps)."""
        self.apps["gateway"].start()

    def setup(self) -> None:
        """Databases, ``hanke migrate``, the services (starting while ``hanke seed`` runs), readiness."""
        began = time.monotonic()
        for service in SERVICES:
            self.cluster.create_database(service)
        self.hanke("migrate", *SERVICES)
        self.timings["hanke migrate"] = time.monotonic() - began
        for service in SERVICES:  # their start-up reads no rows: they start beside the seeding
            self.apps[service].start()
        began = time.monotonic()
        self.hanke("seed", *SERVICES)
        self.timings["hanke seed"] = time.monotonic() - began
        for app in APPS:
            self.apps[app].wait_listening()
        self.wait_ready()
        self.timings["apps ready after seed"] = time.monotonic() - began - self.timings["hanke seed"]

    def hanke(self, *args: str) -> None:
        """``hanke <args>`` run in this process (the command's own ``main``) with the services'
        ``HANKE_<SERVICE>_DATABASE_URL``: no interpreter start-up per command on a busy machine.
        Its output goes to ``hanke.log``."""
        from hanke_cli.main import main as hanke_main

        names = [f"{prefix(s)}DATABASE_URL" for s in SERVICES]
        saved = {name: os.environ.get(name) for name in names}
        try:
            os.environ.update({f"{prefix(s)}DATABASE_URL": self.db_urls[s] for s in SERVICES})
            with (self.workdir / "hanke.log").open("a") as out, contextlib.redirect_stdout(out):
                code = hanke_main(list(args))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        if code != 0:
            raise RuntimeError(f"hanke {' '.join(args)} failed ({code}); see {self.workdir / 'hanke.log'}")

    def wait_ready(self, timeout: float = 90) -> None:
        """Until the gateway's /readyz says every upstream is ok."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(self.gateway + "/readyz", timeout=5)
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.text[:300]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.3)
        raise RuntimeError(f"the product did not become ready: {last}")

    def restart(self, app: str) -> None:
        self.apps[app].start()

    def shutdown(self, grace: float = 3.0) -> None:
        """SIGTERM to every app at once; SIGKILL what still runs after ``grace`` seconds."""
        running = [a.proc for a in self.apps.values() if a.proc is not None and a.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU seconds each app's current process has used (from /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        out: dict[str, float] = {}
        for name, app in self.apps.items():
            if app.proc is None:
                continue
            try:
                fields = Path(f"/proc/{app.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[name] = (int(fields[11]) + int(fields[12])) / tick
        return out

    def logs(self) -> dict[str, Path]:
        return {name: app.log for name, app in self.apps.items()}


def peer_wiring() -> dict[str, list[str]]:
    """What each app declares of the others' URLs (printed, so a missing wire shows)."""
    return {app: declared_peer_fields(app) for app in APPS}
