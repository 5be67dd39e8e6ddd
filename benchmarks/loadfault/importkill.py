"""Fault (b): ``hanke import-ledger FILE --commit`` SIGKILLed while its transaction writes.

The command runs as its own database role (``IMPORT_ROLE``), so its session is found in
``pg_stat_activity``; it is killed ``hold`` seconds after that session first got a transaction id
(it has written rows, uncommitted). Then the rows and audit entries of the file are counted (0 must
be left), and optionally the same file is imported to completion (every row must be written, so the
kill was a real one). The file is handed to the command through a FIFO: the command is started
early and waits for its input with its interpreter warm, so the fault times the import, not
Python's start-up.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.loadfault.cluster import IMPORT_ROLE
from benchmarks.loadfault.faults import Window
from benchmarks.loadfault.product import ROOT, Product

PROJECT = "S21894"
SAVONIA = "2629463-3"
HEADER = "Tosite;Tositepäivä;Tili;Tilin nimi;Kustannuspaikka;Projekti;Selite;Debet;Kredit;Kustannuslaji;Toteuttaja\r\n"


@dataclass
class ImportKill:
    rows: int
    window: Window
    rows_before: int = 0
    rows_after_kill: int = 0
    audit_before: int = 0
    audit_after_kill: int = 0
    killed_after_s: float = 0.0  # input handed over -> SIGKILL
    backend_at_kill: str = ""  # what the import's database session was doing when it was killed
    heap_growth_kb: int = 0  # cost_entry grew by this much while the killed transaction was open
    exit_code: int | None = None
    backend_gone_s: float | None = None  # kill -> the server has ended the import's session
    rerun_added: int | None = None  # the same file imported to completion afterwards
    rerun_s: float | None = None
    rerun_window: Window | None = None  # normal operation: a large import committing beside the load
    rerun_lock_waiters: int = 0  # most budget sessions seen waiting on a lock during the re-run
    problems: list[str] = field(default_factory=list)

    @property
    def rows_left(self) -> int:
        return self.rows_after_kill - self.rows_before


def ledger_csv(rows: int, tag: str) -> bytes:
    """An accounting extract of ``rows`` Savonia expense rows (semicolon CSV, Finnish columns)."""
    lines = [HEADER]
    for n in range(rows):
        day, mon, year = 1 + n % 28, 1 + n % 12, 2020 + n % 3
        cents = 1000 + (n * 7919) % 500_000
        lines.append(
            f"LFIMP-{tag}-{n};{day}.{mon}.{year};4340;Asiantuntijapalvelut;1721;{PROJECT};import {n};"
            f"{cents // 100},{cents % 100:02d};;;{SAVONIA}\r\n"
        )
    return "".join(lines).encode("utf-8")


def import_cmd(path: Path) -> list[str]:
    args = ["import-ledger", str(path), "--project", PROJECT, "--implementer", SAVONIA, "--commit"]
    return [sys.executable, "-m", "hanke_cli.main", *args]


class PreparedImport:
    """The command started on a FIFO, waiting for its file."""

    def __init__(self, product: Product, rows: int, tag: str) -> None:
        self.product, self.rows, self.tag = product, rows, tag
        self.data = ledger_csv(rows, tag)
        self.fifo = product.workdir / f"ledger-{tag}.csv"
        os.mkfifo(self.fifo)
        self.log = (product.workdir / "import.log").open("ab")
        self.proc = subprocess.Popen(
            import_cmd(self.fifo),
            env=product.import_env(),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def hand_over(self, limit_s: float = 120) -> None:
        """Write the file into the FIFO once the command opens it for reading."""
        deadline = time.monotonic() + limit_s
        while True:
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the import command never read its input (exit {self.proc.returncode})"
                    ) from None
                time.sleep(0.02)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb") as out:
            out.write(self.data)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        self.log.close()


def _counts(product: Product, tag: str) -> tuple[int, int]:
    c = product.cluster
    rows = c.scalar(
        "budget", "SELECT count(*) FROM cost_entry WHERE voucher_ref LIKE %s", (f"LFIMP-{tag}-%",)
    )
    audit = c.scalar("budget", "SELECT count(*) FROM audit_entry WHERE action = 'import'")
    return int(rows or 0), int(audit or 0)


def _watch_and_kill(prepared: PreparedImport, result: ImportKill, hold: float, limit_s: float) -> None:
    """SIGKILL the command ``hold`` seconds after its transaction first wrote (got a transaction id)."""
    c, proc = prepared.product.cluster, prepared.proc
    size0 = int(c.scalar("budget", "SELECT pg_relation_size('cost_entry')") or 0)
    query = (
        "SELECT state, backend_xid IS NOT NULL, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
        "FROM pg_stat_activity WHERE usename = %s AND datname = 'budget'"
    )
    with c.admin("budget") as conn:
        prepared.hand_over()
        started = time.monotonic()
        seen: float | None = None
        while proc.poll() is None and time.monotonic() - started < limit_s:
            rows = conn.execute(query, (IMPORT_ROLE,)).fetchall()
            writing = [r for r in rows if r[1]]
            if writing and seen is None:
                seen = time.monotonic()
            if seen is not None and time.monotonic() - seen >= hold:
                size = int(conn.execute("SELECT pg_relation_size('cost_entry')").fetchone()[0])  # type: ignore[index]
                proc.send_signal(signal.SIGKILL)
                result.killed_after_s = time.monotonic() - started
                result.backend_at_kill = "; ".join(f"{r[0]}: {r[2]}" for r in writing)
                result.heap_growth_kb = (size - size0) // 1024
                break
            time.sleep(0.01)
    if proc.poll() is None and not result.backend_at_kill:
        result.problems.append(f"the import had not started writing after {limit_s:.0f} s; killed anyway")
    prepared.close()
    result.exit_code = proc.returncode


def _wait_backend_gone(product: Product, limit_s: float) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < limit_s:
        n = product.cluster.scalar(
            "budget", "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (IMPORT_ROLE,)
        )
        if not n:
            return time.monotonic() - began
        time.sleep(0.05)
    return None


def _rerun(prepared: PreparedImport, result: ImportKill, limit_s: float) -> None:
    """Import the same file to completion, sampling how many budget sessions wait on a lock meanwhile."""
    path = prepared.product.workdir / f"ledger-{prepared.tag}-again.csv"
    path.write_bytes(prepared.data)
    c = prepared.product.cluster
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'budget' AND wait_event_type = 'Lock'"
    began = time.monotonic()
    with (prepared.product.workdir / "import.log").open("ab") as log, c.admin("budget") as conn:
        env = prepared.product.import_env()
        proc = subprocess.Popen(import_cmd(path), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        while proc.poll() is None and time.monotonic() - began < limit_s:
            row = conn.execute(waiting).fetchone()
            result.rerun_lock_waiters = max(result.rerun_lock_waiters, int(row[0]) if row else 0)
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        code = proc.wait(30)
    result.rerun_s = time.monotonic() - began
    result.rerun_window = Window("large import committing", began, time.monotonic(), set())
    if code != 0:
        result.problems.append(f"the re-run of the import failed (exit {code}); see import.log")
    after, _ = _counts(prepared.product, prepared.tag)
    result.rerun_added = after - result.rows_after_kill


async def kill_import(
    prepared: PreparedImport, *, hold: float = 0.3, rerun: bool = True, limit_s: float = 180
) -> ImportKill:
    product = prepared.product
    began = time.monotonic()
    result = ImportKill(prepared.rows, Window("import killed", began, began, set()))
    result.rows_before, result.audit_before = await asyncio.to_thread(_counts, product, prepared.tag)
    await asyncio.to_thread(_watch_and_kill, prepared, result, hold, limit_s)
    if result.exit_code != -signal.SIGKILL:
        result.problems.append(
            f"the import ended by itself (exit {result.exit_code}) before it could be killed: "
            "the check is inconclusive; use a larger --import-rows"
        )
    result.backend_gone_s = await asyncio.to_thread(_wait_backend_gone, product, 120)
    result.rows_after_kill, result.audit_after_kill = await asyncio.to_thread(_counts, product, prepared.tag)
    result.window.end = time.monotonic()
    if rerun:
        await asyncio.to_thread(_rerun, prepared, result, limit_s)
    return result
