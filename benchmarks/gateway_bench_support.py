"""Pieces of ``gateway_proxy.py``: tools, databases, processes, nginx config and wrk runs."""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("budget", "pilots", "participants")


def find_tools(*, install: bool) -> tuple[str, str] | None:
    """Paths of nginx and wrk; names the install command (or runs it with ``install``)."""

    def which() -> dict[str, str | None]:
        return {
            "nginx": shutil.which("nginx")
            or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None),
            "wrk": shutil.which("wrk"),
        }

    found = which()
    missing = [name for name, path in found.items() if not path]
    if missing and install:
        print(f"installing {' '.join(missing)} with apt-get ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", *missing], check=False)
        found = which()
        missing = [name for name, path in found.items() if not path]
    if missing:
        print(
            f"missing tools: {', '.join(missing)}. Install them with: apt-get install -y {' '.join(missing)} "
            "(Debian packages of the same names), or run this script with --install."
        )
        return None
    return str(found["nginx"]), str(found["wrk"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_urls(backend: str, workdir: Path) -> dict[str, str]:
    if backend == "sqlite":
        return {s: f"sqlite:///{workdir / s}.db" for s in SERVICES}
    from hanke_libs.testing import create_pg_database

    return {s: create_pg_database(f"hanke_bench_{s}") for s in SERVICES}


def drop_databases(urls: dict[str, str]) -> None:
    from hanke_libs.testing import drop_pg_database

    for url in urls.values():
        if url.startswith("postgresql"):
            drop_pg_database(url)


def prepare_databases(urls: dict[str, str]) -> None:
    """Migrate and seed each service's database, like ``hanke migrate`` and ``hanke seed``."""
    from hanke_libs.db import Database

    for service, url in urls.items():
        importlib.import_module(f"{service}.db").migrate(url)
        seed = importlib.import_module(f"{service}.seed").seed

        async def run(url: str = url, seed: object = seed) -> None:
            db = Database(url, null_pool=True)
            try:
                await seed(db)  # type: ignore[operator]
            finally:
                await db.dispose()

        asyncio.run(run())


def token() -> str:
    from hanke_libs.auth import issue_dev_token
    from hanke_libs.settings import AppSettings

    return issue_dev_token(AppSettings(), roles=["admin"], subject="bench", lifetime_seconds=3600)


def nginx_config(workdir: Path, port: int, upstream_port: int) -> Path:
    temp = workdir / "nginx-temp"
    temp.mkdir(exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    upstream service {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""
    )
    return conf


@dataclass
class Process:
    """A child process (never a daemon) listening on ``port``; stopped by its own pid."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int | None = None

    @classmethod
    def start(
        cls, name: str, cmd: list[str], env: dict[str, str] | None = None, port: int | None = None
    ) -> Process:
        proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=ROOT)
        if port is None and name == "nginx":
            text = Path(cmd[cmd.index("-c") + 1]).read_text()
            port = int(re.search(r"listen 127\.0\.0\.1:(\d+)", text).group(1))  # type: ignore[union-attr]
        return cls(name, proc, port)

    @classmethod
    def uvicorn(cls, factory: str, port: int, env: dict[str, str], http: str = "httptools") -> Process:
        """``factory`` under uvicorn; ``http`` is the server protocol (the gateway runs with its own,
        ``gateway.server:HttpToolsProtocol``: httptools with a request head limit, as deployed)."""
        cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]
        cmd += ["--loop", "uvloop", "--http", http]  # the same event loop and parser for all
        return cls.start(factory, cmd, env, port)

    def wait_listening(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", int(self.port or 0)), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on port {self.port}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class WrkResult:
    rps: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_us: float = float("nan")  # CPU time of the serving process per request (see cpu_seconds)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its direct children (nginx's worker), from /proc.

    Per request it is a steadier measure than requests/s on a shared machine: another job's load
    slows a process down but does not make it spend more CPU per request.
    """
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    pids.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    wrk: str, url: str, bearer: str, connections: int, seconds: int, pid: int | None = None
) -> WrkResult:
    """One wrk run; with ``pid``, also that process's CPU time per request."""
    threads = min(2, connections)
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    cmd += ["-H", f"Authorization: Bearer {bearer}", url]
    cpu_before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(pid) - cpu_before if pid else float("nan")
    count = re.search(r"(\d+) requests in", out)
    requests = int(count.group(1)) if count else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?timeout (\d+)"):
        match = re.search(pattern, out)
        if match:
            errors += int(match.group(1))
    p99_ms = float(p99.group(1)) * _UNITS[p99.group(2)] if p99 else float("nan")
    cpu_us = cpu / requests * 1e6 if requests else float("nan")
    return WrkResult(rps, p99_ms, errors, requests, cpu_us)
