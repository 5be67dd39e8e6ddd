"""Backing up and restoring one service database, on either backend.

* SQLite (the embedded default): the online backup API copies a consistent snapshot while the app
  runs; the copy is one self-contained file (``DELETE`` journal). Restoring copies it back the same
  way, page by page, over the service's file.
* PostgreSQL: ``pg_dump -Fc`` (a consistent snapshot, compressed, custom format). Restoring renders
  it with ``pg_restore --clean --if-exists`` and runs it with ``psql`` in one transaction, after
  dropping whatever else is in the ``public`` schema (tables a later migration made): the database
  ends up exactly as backed up, or, if anything fails, unchanged.

The client tools come from Debian's ``postgresql-client`` (in the container image); their version
must be at least the server's. Connection details go to them in ``PG*`` environment variables,
never on the command line.

    dump(url, folder, name)  -> the file written (``name.sqlite3`` or ``name.dump``)
    load(url, file)          replace the database at ``url`` with the file's content
    sha256(file)             the file's checksum (hex)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from hanke_libs.db import ensure_sqlite_dir


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why and what to do."""


# Drops every table, view, sequence, function and type of the public schema (not those of an
# extension, nor those that go with a table), so that the restored dump is all that is there.
CLEAR_PUBLIC_SCHEMA = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT format('DROP %s IF EXISTS public.%I CASCADE',
                         CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                        WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                        ELSE 'TABLE' END, c.relname) AS stmt
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
  LOOP EXECUTE r.stmt; END LOOP;
  FOR r IN SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure) AS stmt
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP EXECUTE r.stmt; END LOOP;
  FOR r IN SELECT format('DROP TYPE IF EXISTS public.%I CASCADE', t.typname) AS stmt
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
  LOOP EXECUTE r.stmt; END LOOP;
END $$;
"""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: it comes with PostgreSQL's client tools (postgresql-client)."
        )
    return path


def _pg_env(url: URL) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(PGHOST=url.host or "127.0.0.1", PGPORT=str(url.port or 5432), PGDATABASE=url.database or "")
    if url.username:
        env["PGUSER"] = url.username
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    for key, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        value = url.query.get(key)
        if value:
            env[variable] = str(value if isinstance(value, str) else value[0])
    return env


def _run(cmd: list[str], env: dict[str, str], *, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(cmd, env=env, input=stdin, capture_output=True, timeout=3600)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{Path(cmd[0]).name} failed: " + " | ".join(detail[-5:]))
    return done.stdout


def dump(url: str, folder: Path, name: str) -> Path:
    """Write a backup of the database at ``url`` into ``folder``; returns the file."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        source_path = _sqlite_path(u)
        if not source_path.exists():
            raise BackupError(f"There is no database file {source_path}: run 'hanke migrate' first.")
        target = folder / f"{name}.sqlite3"
        source = sqlite3.connect(source_path)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()
        return target
    if backend == "postgresql":
        target = folder / f"{name}.dump"
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            _pg_env(u),
        )
        return target
    raise BackupError(f"Unsupported database backend {backend!r}.")


def load(url: str, file: Path) -> None:
    """Replace the database at ``url`` with the backup in ``file`` (all or nothing)."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        ensure_sqlite_dir(u)
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(u))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    if backend == "postgresql":
        env = _pg_env(u)
        script = _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--file",
                "-",
                str(file),
            ],
            env,
        )
        psql = [
            _tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "-v",
            "ON_ERROR_STOP=1",
            "--file",
            "-",
        ]
        _run(psql, env, stdin=CLEAR_PUBLIC_SCHEMA.encode() + b"\n" + script)
        return
    raise BackupError(f"Unsupported database backend {backend!r}.")
