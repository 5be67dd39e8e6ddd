"""A real PgBouncer (Debian's package) in front of the test PostgreSQL, for the tests that need one.

:func:`pgbouncer_binary` finds it, installing the package with apt-get when it is missing and the
tests run as root (as in CI); :class:`PgBouncer` runs it on a free loopback port in transaction
pooling with trust authentication and stops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from hanke_libs.testing import postgres_admin_url

CANDIDATES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def pgbouncer_binary() -> str | None:
    """The pgbouncer executable, installed from Debian's packages if missing (root only)."""
    found = shutil.which("pgbouncer") or next((c for c in CANDIDATES if os.path.exists(c)), None)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "pgbouncer"]
    if subprocess.run(install, env=env, capture_output=True, timeout=300).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=300)
        subprocess.run(install, env=env, capture_output=True, timeout=300)
    return shutil.which("pgbouncer") or next((c for c in CANDIDATES if os.path.exists(c)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgBouncer:
    """``with PgBouncer(binary) as bouncer: bouncer.url_for(database_url)``.

    Its config, log and pid files live in a fresh folder under the system's temporary folder
    (when the tests run as root it runs as ``postgres``, who must reach them), removed at exit.
    """

    def __init__(self, binary: str, *, pool_size: int = 8) -> None:
        self.binary = binary
        self.folder = Path(tempfile.mkdtemp(prefix="hanke-pgbouncer-"))
        self.port = _free_port()
        self.pool_size = pool_size
        self.proc: subprocess.Popen[bytes] | None = None
        admin = make_url(postgres_admin_url())
        self.server_host = admin.host or "127.0.0.1"
        self.server_port = admin.port or 5432
        self.user = admin.username or "postgres"

    def url_for(self, database_url: str) -> str:
        """The same database reached through PgBouncer."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    def __enter__(self) -> PgBouncer:
        users = self.folder / "users.txt"
        users.write_text(f'"{self.user}" ""\n')
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={self.server_host} port={self.server_port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {users}",
                    "pool_mode = transaction",
                    f"default_pool_size = {self.pool_size}",
                    "max_client_conn = 400",
                    "ignore_startup_parameters = extra_float_digits,options",
                    f"logfile = {self.folder / 'pgbouncer.log'}",
                    f"pidfile = {self.folder / 'pgbouncer.pid'}",
                    "",
                ]
            )
        )
        cmd = [self.binary]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            cmd += ["-u", "postgres"]
            os.chmod(self.folder, 0o777)
            for path in (users, config):
                os.chmod(path, 0o644)
        self.proc = subprocess.Popen([*cmd, str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                output = self.proc.stdout.read().decode() if self.proc.stdout else ""
                self.__exit__(None, None, None)
                raise RuntimeError(f"pgbouncer exited with {self.proc.returncode}: {output}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("pgbouncer did not start listening")

    def __exit__(self, *_: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)
