"""The faults injected under load, each timed: a service SIGKILLed and restarted, a ledger import
SIGKILLed while its transaction is writing, the PostgreSQL cluster restarted (``pg_ctl restart -m
fast``). Each returns a window of monotonic time; the report judges the requests inside it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.loadfault.cluster import IMPORT_ROLE
from benchmarks.loadfault.product import ROOT, SERVICES, Product
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


# -- (b) an import killed mid-way -----------------------------------------------------------------
@dataclass
class ImportKill:
    rows: int
    window: Window
    rows_before: int = 0
    rows_after_kill: int = 0
    audit_before: int = 0
    audit_after_kill: int = 0
    killed_after_s: float = 0.0
    backend_at_kill: str = ""  # what the import's database session was doing when it was killed
    heap_growth_kb: int = 0  # cost_entry grew by this much while the killed transaction was open
    exit_code: int | None = None
    backend_gone_s: float | None = None  # kill -> the server has ended the import's session
    rerun_added: int | None = None  # the same file imported to completion afterwards
    problems: list[str] = field(default_factory=list)

    @property
    def rows_left(self) -> int:
        return self.rows_after_kill - self.rows_before


def ledger_file(path: Path, rows: int, tag: str) -> Path:
    """An accounting extract of ``rows`` Savonia expense rows (semicolon CSV, Finnish columns)."""
    header = "Tosite;Tositepäivä;Tili;Tilin nimi;Kustannuspaikka;Projekti;Selite;Debet;Kredit;Kustannuslaji;Toteuttaja\r\n"
    lines = [header]
    for n in range(rows):
        day, mon, year = 1 + n % 28, 1 + n % 12, 2020 + n % 3
        cents = 1000 + (n * 7919) % 500_000
        lines.append(
            f"LFIMP-{tag}-{n};{day}.{mon}.{year};4340;Asiantuntijapalvelut;1721;{PROJECT};import {n};"
            f"{cents // 100},{cents % 100:02d};;;{SAVONIA}\r\n"
        )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def import_cmd(path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hanke_cli.main",
        "import-ledger",
        str(path),
        "--project",
        PROJECT,
        "--implementer",
        SAVONIA,
        "--commit",
    ]


def _counts(product: Product, tag: str) -> tuple[int, int]:
    c = product.cluster
    rows = c.scalar(
        "budget", "SELECT count(*) FROM cost_entry WHERE voucher_ref LIKE %s", (f"LFIMP-{tag}-%",)
    )
    audit = c.scalar("budget", "SELECT count(*) FROM audit_entry WHERE action = 'import'")
    return int(rows or 0), int(audit or 0)


def _watch_and_kill(
    product: Product, proc: subprocess.Popen[bytes], result: ImportKill, hold: float, timeout: float
) -> None:
    """SIGKILL the import ``hold`` seconds after its transaction first wrote (it has a transaction id)."""
    c = product.cluster
    size0 = int(c.scalar("budget", "SELECT pg_relation_size('cost_entry')") or 0)
    started = time.monotonic()
    seen: float | None = None
    query = (
        "SELECT state, backend_xid IS NOT NULL, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
        "FROM pg_stat_activity WHERE usename = %s AND datname = 'budget'"
    )
    with c.admin("budget") as conn:
        while proc.poll() is None and time.monotonic() - started < timeout:
            rows = conn.execute(query, (IMPORT_ROLE,)).fetchall()
            writing = [r for r in rows if r[1]]
            if writing and seen is None:
                seen = time.monotonic()
            if seen is not None and time.monotonic() - seen >= hold:
                size = int(conn.execute("SELECT pg_relation_size('cost_entry')").fetchone()[0])  # type: ignore[index]
                proc.send_signal(signal.SIGKILL)
                result.killed_after_s = time.monotonic() - started
                result.backend_at_kill = "; ".join(f"{r[0]}: {r[2]}" for r in (writing or rows))
                result.heap_growth_kb = (size - size0) // 1024
                break
            time.sleep(0.01)
    if proc.poll() is None and not result.backend_at_kill:
        proc.send_signal(signal.SIGKILL)
        result.problems.append(f"the import had not started writing after {timeout:.0f} s; killed anyway")


def _run_and_kill(product: Product, path: Path, result: ImportKill, hold: float, limit_s: float) -> int:
    with (product.workdir / "import.log").open("ab") as log:
        proc = subprocess.Popen(
            import_cmd(path), env=product.import_env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        _watch_and_kill(product, proc, result, hold, limit_s)
        return proc.wait(60)


def _wait_backend_gone(product: Product, timeout: float) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        n = product.cluster.scalar(
            "budget", "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (IMPORT_ROLE,)
        )
        if not n:
            return time.monotonic() - began
        time.sleep(0.05)
    return None


async def kill_import(
    product: Product, *, rows: int, tag: str, hold: float = 0.3, rerun: bool = True, limit_s: float = 180
) -> ImportKill:
    path = await asyncio.to_thread(ledger_file, product.workdir / f"ledger-{tag}.csv", rows, tag)
    began = time.monotonic()
    result = ImportKill(rows, Window("import killed", began, began, set()))
    result.rows_before, result.audit_before = await asyncio.to_thread(_counts, product, tag)
    result.exit_code = await asyncio.to_thread(_run_and_kill, product, path, result, hold, limit_s)
    if result.exit_code != -signal.SIGKILL:
        result.problems.append(
            f"the import ended by itself (exit {result.exit_code}) before it could be killed: "
            "the check is inconclusive; use a larger --import-rows"
        )
    result.backend_gone_s = await asyncio.to_thread(_wait_backend_gone, product, 120)
    result.rows_after_kill, result.audit_after_kill = await asyncio.to_thread(_counts, product, tag)
    if rerun:
        done = await asyncio.to_thread(
            subprocess.run,
            import_cmd(path),
            env=product.import_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=limit_s,
        )
        if done.returncode != 0:
            result.problems.append(
                f"the re-run of the import failed ({done.returncode}): {done.stdout[-500:]}"
            )
        after, _ = await asyncio.to_thread(_counts, product, tag)
        result.rerun_added = after - result.rows_after_kill
    result.window.end = time.monotonic()
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
    pids = {s: product.apps[s].proc.pid for s in SERVICES if product.apps[s].proc}
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
