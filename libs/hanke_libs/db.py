"""Database access shared by every service.

Each service owns its data: its own metadata (``make_base``), its own database URL and Alembic
version table. URLs are given in their plain form (``sqlite:///path`` or
``postgresql://user@host/db``); the app talks to them through the async drivers (aiosqlite,
asyncpg) and migrations through the sync ones (sqlite3, psycopg).

One place commits or rolls back: the session dependency made by :class:`Database`. What races is
serialised with ``select(...).with_for_update()`` (a row lock on PostgreSQL); write transactions on
SQLite begin IMMEDIATE, holding the database's write lock (:func:`sqlite_begin`). Requests that
only read (GET, HEAD, OPTIONS) run on an autocommit connection, which spares a BEGIN and a ROLLBACK
round trip per request (measured in ``benchmarks/data_path.py``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.problems import Conflict, UpstreamProblem

log = logging.getLogger("hanke.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored with its time zone and always read back as aware UTC.

    SQLite keeps no zone, so plain ``DateTime(timezone=True)`` reads back naive there; this type
    makes both backends answer the same (and serialise as RFC 3339 with an offset).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column")
        result: dt.datetime = value.astimezone(dt.UTC)
        return result

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        result: dt.datetime = value.astimezone(dt.UTC)
        return result


def make_base() -> type[SQLModel]:
    """A SQLModel base class with its own registry and metadata, for one service.

    SQLModel keeps every table in one global metadata by default; with several services in one
    process Alembic would then see the other services' tables (sqlmodel#264).
    """
    reg = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))

    class ServiceBase(SQLModel, registry=reg):
        pass

    return ServiceBase


def is_sqlite(url: str | URL) -> bool:
    return make_url(str(url)).get_backend_name() == "sqlite"


def async_url(url: str) -> URL:
    """The URL with the async driver of its backend (aiosqlite or asyncpg)."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        return u.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return u.set(drivername="postgresql+asyncpg")
    raise ValueError(f"Unsupported database backend {backend!r}: use sqlite or postgresql")


def sync_url(url: str) -> URL:
    """The URL with the sync driver of its backend (sqlite3 or psycopg), for migrations and tools."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        return u.set(drivername="sqlite")
    if backend == "postgresql":
        return u.set(drivername="postgresql+psycopg")
    raise ValueError(f"Unsupported database backend {backend!r}: use sqlite or postgresql")


def ensure_sqlite_dir(url: str | URL) -> None:
    """Create the folder of a SQLite file if it does not exist."""
    u = make_url(str(url))
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, WAL journal, a busy timeout: SQLite as a server-ish embedded database."""
    # The driver's own implicit BEGIN is off; sqlite_begin emits the transaction's BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine_for(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, null_pool: bool = False, pgbouncer: bool = False
) -> AsyncEngine:
    """An async engine for ``url`` with the service defaults for its backend."""
    aurl = async_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": False}
    if pgbouncer and aurl.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"statement_cache_size": 0, "prepared_statement_cache_size": 0}
    if null_pool:
        kwargs["poolclass"] = NullPool
    elif aurl.get_backend_name() == "postgresql":
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800)
    if aurl.get_backend_name() == "sqlite":
        ensure_sqlite_dir(aurl)
    engine = create_async_engine(aurl, **kwargs)
    if aurl.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", sqlite_begin)
    return engine


def sqlite_begin(conn: Any) -> None:
    """Write transactions on SQLite begin IMMEDIATE: they take the database's write lock first.

    A deferred transaction that reads and then writes fails at once (SQLITE_BUSY, no busy wait)
    when another writer committed in between; with IMMEDIATE, concurrent writers queue on the
    busy timeout instead, so the SQLite default serialises writes the way ``SELECT ... FOR
    UPDATE`` serialises them per row on PostgreSQL (SQLAlchemy leaves ``FOR UPDATE`` out on SQLite).
    Autocommit (read) connections are left alone.
    """
    if (
        conn.get_isolation_level() == "AUTOCOMMIT"
        or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    ):
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One service's engine and its session dependency.

    ``session`` is the FastAPI dependency: a read request gets an autocommit session; a write
    request gets a transaction that is committed after the endpoint returns (before the response is
    sent) or rolled back on any error. Nothing else commits.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.fast_pool: Any = None  # an asyncpg pool for hot reads, see hanke_libs.fastread
        self.engine = create_engine_for(url, **engine_kwargs)
        self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._write_sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(
            self.read_engine, class_=AsyncSession, expire_on_commit=False
        )

    @property
    def backend(self) -> str:
        return make_url(self.url).get_backend_name()

    def write_session(self) -> AsyncSession:
        """A transactional session for code outside a request (CLI, seeding). The caller commits."""
        return self._write_sessions()

    def read_session(self) -> AsyncSession:
        return self._read_sessions()

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def session(self, request: Request) -> AsyncIterator[AsyncSession]:
        """The FastAPI session dependency (use through ``SessionDep``)."""
        if request.method in READ_METHODS:
            async with self._read_sessions() as session:
                yield session
            return
        async with self._write_sessions() as session:
            try:
                yield session
                await session.commit()
            except IntegrityError as exc:
                await session.rollback()
                log.info("integrity error on commit: %s", exc.orig)
                raise Conflict(
                    "The change conflicts with data that already exists (a uniqueness or reference "
                    "rule of the database).",
                    slug="integrity-conflict",
                ) from exc
            except OperationalError as exc:
                await session.rollback()
                raise UpstreamProblem("The database is not reachable.", slug="database-unavailable") from exc
            except BaseException:
                await session.rollback()
                raise


@contextlib.asynccontextmanager
async def standalone_database(url: str) -> AsyncIterator[Database]:
    """A :class:`Database` for work outside a running app (the CLI, seeding, tests): it keeps no
    pooled connections and is disposed on exit."""
    db = Database(url, null_pool=True)
    try:
        yield db
    finally:
        await db.dispose()


def get_database(request: Request) -> Database:
    """The app's :class:`Database`, set by the app factory on ``app.state.db``."""
    db: Database = request.app.state.db
    return db


async def session_dependency(request: Request) -> AsyncIterator[AsyncSession]:
    """Session dependency that finds the app's database on ``app.state``.

    ``Database.session`` is entered as an async context manager, so an exception raised by the
    endpoint is thrown into it: the transaction is rolled back and the session closed at once
    (a plain ``async for`` would leave both to the garbage collector).
    """
    async with contextlib.asynccontextmanager(get_database(request).session)(request) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(session_dependency, scope="function")]
"""The request's session: autocommit for reads, one committed transaction for writes."""
