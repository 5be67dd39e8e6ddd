"""``hanke up``: migrate, seed and run the whole product on one machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from hanke_cli.apps import ALL_APPS, SERVICES, AppSpec
from hanke_cli.console import say
from hanke_cli.setup import migrate, seed


def _pump(name: str, stream: object) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        say(name, line.rstrip("\n"))


def uvicorn_command(spec: AppSpec) -> list[str]:
    """The command that serves one app: ``hanke serve`` (its workers, graceful shutdown, metrics
    folder) with the app's own uvicorn options (the gateway's server protocol)."""
    return [sys.executable, "-m", "hanke_cli.main", "serve", spec.name, *spec.uvicorn_options]


BASE_PORT_ENV = "HANKE_BASE_PORT"
READY_WAIT_SECONDS = 180.0


def addresses(env: dict[str, str], base_port: int | None) -> dict[str, tuple[str, int]]:
    """Where each app listens, and the environment that tells every app where its peers are.

    With a base port (``--base-port`` or ``HANKE_BASE_PORT``) the gateway takes it and the services
    the next ones (budget +1, pilots +2, participants +3, reports +4); otherwise each app's own
    ``HOST`` / ``PORT`` settings. Every ``<peer>_URL`` setting an app has (the gateway's upstreams,
    the services' peers, the reports service's gateway base) is set to match, unless set already:
    changing the ports is one setting.
    """
    where: dict[str, tuple[str, int]] = {}
    for offset, spec in enumerate(ALL_APPS):
        settings = spec.settings()
        prefix = str(settings.model_config.get("env_prefix"))
        port = settings.port if base_port is None else base_port + offset
        if base_port is not None:
            env[f"{prefix}PORT"] = str(port)
        where[spec.name] = (settings.host, port)
    for spec in ALL_APPS:
        settings = spec.settings()
        prefix = str(settings.model_config.get("env_prefix"))
        for field in type(settings).model_fields:
            peer = "gateway" if field == "gateway_base_url" else field.removesuffix("_url")
            if (
                field.endswith("_url") and peer in where and peer != spec.name
            ) or field == "gateway_base_url":
                host, port = where[peer]
                env.setdefault(f"{prefix}{field.upper()}", f"http://{host}:{port}")
    return where


def _announce_when_ready(where: dict[str, tuple[str, int]]) -> None:
    """Say where the docs are once every app answers ``/readyz`` (not before)."""
    import httpx

    pending = dict(where)
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while pending and time.monotonic() < deadline:
        for name, (host, port) in list(pending.items()):
            try:
                if httpx.get(f"http://{host}:{port}/readyz", timeout=2).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    if pending:
        say("hanke", f"not ready after {READY_WAIT_SECONDS:.0f} s: {', '.join(sorted(pending))}")
        return
    host, port = where["gateway"]
    say("hanke", f"all apps ready. API docs: http://{host}:{port}/docs  (Ctrl-C stops everything)")


def up(*, json_logs: bool = False, skip_setup: bool = False, base_port: int | None = None) -> int:
    """Prepare every database and run every app (``hanke serve``: as many workers as the app's
    ``WORKERS`` setting, by default one per CPU core) until Ctrl-C; returns the exit code."""
    if not skip_setup:
        for spec in SERVICES:
            migrate(spec)
            seed(spec)

    env = dict(os.environ)
    if base_port is None and env.get(BASE_PORT_ENV):
        base_port = int(env[BASE_PORT_ENV])
    where = addresses(env, base_port)
    os.environ.update(env)  # the settings read below (workers, prefixes) see the same ports
    procs: dict[str, subprocess.Popen[str]] = {}
    for spec in ALL_APPS:
        settings = spec.settings()
        prefix = str(settings.model_config.get("env_prefix"))
        env.setdefault(f"{prefix}LOG_JSON", "true" if json_logs else "false")
        cmd = uvicorn_command(spec)
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # we forward Ctrl-C ourselves, once
        )
        procs[spec.name] = proc
        threading.Thread(target=_pump, args=(spec.name, proc.stdout), daemon=True).start()
        host, port = where[spec.name]
        say(spec.name, f"starting on http://{host}:{port} ({settings.resolved_workers()} workers)")
    threading.Thread(target=_announce_when_ready, args=(where,), daemon=True).start()

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    say("hanke", f"{name} exited with code {proc.returncode}; stopping the others")
                    code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.2)
    finally:
        _stop_all(procs)
    return code


def _stop_all(procs: dict[str, subprocess.Popen[str]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say("hanke", f"{name} did not stop in time; killing it")
            proc.kill()
            proc.wait()
    say("hanke", "stopped")
