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


def up(*, json_logs: bool = False, skip_setup: bool = False) -> int:
    """Prepare every database and run every app (``hanke serve``: as many workers as the app's
    ``WORKERS`` setting, by default one per CPU core) until Ctrl-C; returns the exit code."""
    if not skip_setup:
        for spec in SERVICES:
            migrate(spec)
            seed(spec)

    env = dict(os.environ)
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
        say(
            spec.name,
            f"starting on http://{settings.host}:{settings.port} ({settings.resolved_workers()} workers)",
        )
    gw = ALL_APPS[0].settings()
    say("hanke", f"API docs: http://{gw.host}:{gw.port}/docs  (Ctrl-C stops everything)")

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
