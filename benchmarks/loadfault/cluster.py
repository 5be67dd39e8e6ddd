"""A private PostgreSQL cluster for one run: ``initdb`` + ``pg_ctl`` in a temporary directory.

The machine's shared server (127.0.0.1:5432) is never touched: this cluster has its own data
directory, its own free loopback port and no Unix socket, and it is stopped and deleted at the end.
``initdb`` refuses to run as root, so the cluster runs as the ``postgres`` OS user when we are root
(``runuser -u postgres --``), with trust authentication on loopback only.
"""

from __future__ import annotations

import glob
import os
import pwd
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.loadfault.ports import free_port

SUPERUSER = "postgres"
# A second login role for the killed import, so its backend is found in pg_stat_activity by name.
IMPORT_ROLE = "hanke_import"


def pg_bindir() -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` (or ``HANKE_LOADFAULT_PG_BINDIR``)."""
    override = os.environ.get("HANKE_LOADFAULT_PG_BINDIR")
    if override:
        return Path(override)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError(
            "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
    return Path(found[-1]).parent


class Cluster:
    """One PostgreSQL cluster on 127.0.0.1:``port``; ``start()``, ``restart()``, ``stop()``."""

    def __init__(self, root: Path | None = None, port: int | None = None) -> None:
        self.bindir = pg_bindir()
        self.root = root or Path(tempfile.mkdtemp(prefix="hanke-loadfault-pg-"))
        self.datadir = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.port = port or free_port()
        self._as_postgres = os.geteuid() == 0

    # -- running the server binaries ----------------------------------------------------------
    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr or done.stdout}"
            )
        return done

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            pw = pwd.getpwnam(SUPERUSER)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        )
        conf = self.datadir / "postgresql.conf"
        with conf.open("a") as fh:
            # Three services x (pool 20 + overflow 5 + read pool 10) plus tools: the default 100 is too few.
            fh.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
                "max_connections = 300\nlog_min_messages = warning\nlog_min_error_statement = panic\n"
                "log_connections = off\nlog_disconnections = off\n"
            )

    def _pg_ctl(self, action: str, *extra: str, timeout: float = 120) -> None:
        self._run(
            "pg_ctl",
            action,
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            str(int(timeout)),
            *extra,
            timeout=timeout + 10,
        )

    def start(self) -> None:
        if not self.datadir.exists():
            self.init()
        self._pg_ctl("start")
        self.wait_ready()
        with self.admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (IMPORT_ROLE,)).fetchone()
            if not exists:
                conn.execute(f"CREATE ROLE {IMPORT_ROLE} LOGIN SUPERUSER")

    def restart(self, mode: str = "fast") -> float:
        """``pg_ctl restart -m <mode>``; returns the seconds until the server accepts connections."""
        began = time.monotonic()
        self._pg_ctl("restart", "-m", mode)
        self.wait_ready()
        return time.monotonic() - began

    def stop(self, mode: str = "fast") -> None:
        if (self.datadir / "postmaster.pid").exists():
            try:
                self._pg_ctl("stop", "-m", mode, timeout=60)
            except RuntimeError:
                self._pg_ctl("stop", "-m", "immediate", timeout=30)

    # -- connecting ---------------------------------------------------------------------------
    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            autocommit=True,
            connect_timeout=5,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.admin() as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, name: str) -> str:
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def scalar(self, database: str, sql: str, params: tuple[object, ...] = ()) -> Any:
        with self.admin(database) as conn:
            row = conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
            return row[0] if row else None
