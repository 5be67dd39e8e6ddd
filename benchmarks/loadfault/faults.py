"""Faults injected under load, each timed: a service SIGKILLed and restarted, the PostgreSQL cluster
restarted (``pg_ctl restart -m fast``); the killed import is in :mod:`importkill`. Each returns a
window of monotonic time; the report judges the requests inside it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from benchmarks.loadfault.product import SERVICES, Product
from benchmarks.loadfault.tokens import Tokens

PROJECT = "S21894"
SAVONIA = "2629463-3"
# A cheap, database-backed read of each service through the gateway: the recovery probe.
PROBES = {
    "budget": f"/api/v1/budget/projects/{PROJECT}/summary",
    "pilots": f"/api/v1/pilots/projects/{PROJECT}/pilots?limit=1",
    "participants": f"/api/v1/participants/coaching-events?project_code={PROJECT}&limit=1",
}


@dataclass
class Window:
    name: str
    start: float
    end: float
    affected: set[str]  # services whose routes may answer 503/504 problems inside the window


async def first_ok(
    gateway: str, tokens: Tokens, service: str, *, since: float, limit_s: float
) -> float | None:
    """Seconds from ``since`` until the service's probe first answers 2xx through the gateway."""
    headers = {"Authorization": f"Bearer {tokens.get('pm')}"}
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=5) as client:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            try:
                if (await client.get(PROBES[service])).status_code < 300:
                    return time.monotonic() - since
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    return None


# -- (a) a service killed and restarted -----------------------------------------------------------
@dataclass
class ServiceKill:
    service: str
    down_seconds: float
    window: Window
    recovery_s: float | None = None  # kill -> first 2xx through the gateway
    restart_to_ok_s: float | None = None  # restart -> first 2xx
    pid_before: int = 0
    pid_after: int = 0


async def kill_service(
    product: Product,
    tokens: Tokens,
    service: str,
    *,
    down_seconds: float,
    settle: float,
    recovery_timeout: float = 120,
) -> ServiceKill:
    app = product.apps[service]
    pid_before = app.proc.pid if app.proc else 0
    began = time.monotonic()
    await asyncio.to_thread(app.kill)
    await asyncio.sleep(down_seconds)
    restarted = time.monotonic()
    await asyncio.to_thread(product.restart, service)
    await asyncio.to_thread(app.wait_listening)
    seconds = await first_ok(product.gateway, tokens, service, since=began, limit_s=recovery_timeout)
    await asyncio.sleep(settle)
    result = ServiceKill(service, down_seconds, Window(f"kill {service}", began, time.monotonic(), {service}))
    result.recovery_s = seconds
    result.restart_to_ok_s = None if seconds is None else seconds - (restarted - began)
    result.pid_before, result.pid_after = pid_before, app.proc.pid if app.proc else 0
    return result


# -- (c) PostgreSQL restarted ---------------------------------------------------------------------
@dataclass
class DatabaseRestart:
    window: Window
    restart_s: float = 0.0  # pg_ctl restart until it accepts connections
    recovery_s: dict[str, float | None] = field(default_factory=dict)  # restart began -> first 2xx
    same_process: dict[str, bool] = field(default_factory=dict)  # each service kept running (no restart)


async def restart_database(
    product: Product, tokens: Tokens, *, settle: float, recovery_timeout: float = 120
) -> DatabaseRestart:
    pids = {s: proc.pid for s in SERVICES if (proc := product.apps[s].proc) is not None}
    began = time.monotonic()
    result = DatabaseRestart(Window("PostgreSQL restart", began, began, set(SERVICES)))
    result.restart_s = await asyncio.to_thread(product.cluster.restart, "fast")
    waits = [first_ok(product.gateway, tokens, s, since=began, limit_s=recovery_timeout) for s in SERVICES]
    for service, seconds in zip(SERVICES, await asyncio.gather(*waits), strict=True):
        result.recovery_s[service] = seconds
    await asyncio.sleep(settle)
    result.window.end = time.monotonic()
    for s in SERVICES:
        proc = product.apps[s].proc
        result.same_process[s] = proc is not None and proc.poll() is None and proc.pid == pids.get(s)
    return result
