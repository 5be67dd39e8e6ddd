"""Alembic helpers shared by every service's migration environment.

Each service keeps its own Alembic environment (``<service>/migrations``) with its own metadata and
its own version table (``alembic_version_<service>``). Migrations run through the sync drivers. On
PostgreSQL a transaction-scoped advisory lock serialises concurrent ``upgrade`` runs (several
replicas starting at once).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, event, pool, text

from hanke_libs.db import ensure_sqlite_dir, sync_url


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def alembic_config(script_location: Path, service: str, url: str) -> Config:
    """An Alembic config for one service, without an ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(script_location: Path, service: str, url: str, revision: str = "head") -> None:
    """Bring the service's database to ``revision`` (default: the newest)."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(script_location, service, url), revision)


def sync_engine(url: str) -> Any:
    """A pool-less engine on the sync driver for migrations and tools.

    psycopg's server-side prepared statements are off (``prepare_threshold=None``): they break
    behind PgBouncer in transaction pooling, and one-off statements gain nothing from them.
    """
    surl = sync_url(url)
    connect_args = {"prepare_threshold": None} if surl.get_backend_name() == "postgresql" else {}
    return create_engine(surl, poolclass=pool.NullPool, connect_args=connect_args)


def current_revision(url: str, service: str) -> str | None:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            try:
                row = conn.execute(text(f"SELECT version_num FROM {version_table(service)}")).first()
            except Exception:
                return None
            return row[0] if row else None
    finally:
        engine.dispose()


def run_env(metadata: MetaData, service: str, default_url: Callable[[], str] | None = None) -> None:
    """The body of a service's ``env.py``: run migrations online or offline for ``metadata``.

    The URL comes from the programmatic config (:func:`upgrade`) or, for the ``alembic`` command
    line, from ``default_url`` (the service's settings).
    """
    cfg = context.config
    url = cfg.attributes.get("database_url") or cfg.get_main_option("sqlalchemy.url")
    if not url and default_url is not None:
        url = default_url()
    if not url:
        raise RuntimeError("No database URL given to the migration environment")
    surl = sync_url(url)
    render_batch = surl.get_backend_name() == "sqlite"
    opts: dict[str, Any] = dict(
        target_metadata=metadata,
        version_table=version_table(service),
        render_as_batch=render_batch,
        compare_type=True,
    )
    if context.is_offline_mode():
        context.configure(url=surl, literal_binds=True, dialect_opts={"paramstyle": "named"}, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return

    ensure_sqlite_dir(surl)
    engine = sync_engine(url)
    if render_batch:
        # WAL as at run time; foreign keys stay off while batch mode copies tables.
        event.listen(engine, "connect", _sqlite_wal)
    with engine.connect() as connection:
        context.configure(connection=connection, **opts)
        with context.begin_transaction():
            if surl.get_backend_name() == "postgresql":
                lock_id = zlib.crc32(f"hanke-migrate-{service}".encode())
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
            context.run_migrations()
    engine.dispose()


def _sqlite_wal(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
