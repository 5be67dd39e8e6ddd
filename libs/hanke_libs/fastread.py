"""A fast path for hot reads: a Core SELECT compiled once, run on the driver without the ORM.

A one-row read through an ``AsyncSession`` and the ORM costs several times the driver's own work
(measured in ``benchmarks/data_path.py``). For the few reads that are hot (a single resource by id,
asked for by every page), :class:`FastQuery` compiles its statement once and, on PostgreSQL, runs
it on a small asyncpg pool of its own, in autocommit (one round trip, no BEGIN/ROLLBACK); on SQLite
it runs through the engine. Rows come back as dicts with the columns' types applied (``Cents``,
``UtcDateTime`` and other decorated types).

    ITEM = FastQuery(select(Item.__table__).where(Item.__table__.c.id == bindparam("item_id")))
    row = await ITEM.first(db, item_id=42)
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url

from hanke_libs.db import Database
from hanke_libs.dbfaults import RETRY_AFTER_SECONDS, database_unavailable
from hanke_libs.problems import UpstreamProblem

_PG_DIALECT = asyncpg_dialect()
Processor = Callable[[Any], Any] | None


async def _init_connection(conn: Any) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _no_reset(conn: Any) -> None:
    return None


async def open_read_pool(db: Database, size: int, *, pgbouncer: bool = False) -> None:
    """Give ``db`` an asyncpg pool for fast reads (PostgreSQL only; a no-op on SQLite)."""
    if db.backend != "postgresql" or size <= 0:
        return
    import asyncpg

    url = make_url(db.url)
    db.fast_pool = await asyncpg.create_pool(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
        min_size=1,
        statement_cache_size=0 if pgbouncer else 100,
        max_size=size,
        init=_init_connection,
        # Only single statements in autocommit run here (reads, and reads that insert their own
        # read-log rows in a CTE: participants.people.hot), so a connection carries no
        # session state back to the pool: skip asyncpg's reset query (a round trip per release).
        reset=_no_reset,
        ssl=False if (url.host or "127.0.0.1") in ("127.0.0.1", "localhost", "::1") else None,
    )


async def close_read_pool(db: Database) -> None:
    pool = getattr(db, "fast_pool", None)
    if pool is not None:
        db.fast_pool = None
        await pool.close()


@contextlib.asynccontextmanager
async def _unavailable_as_problem() -> AsyncIterator[None]:
    """A database that cannot be reached is a 503 problem, as on the session path."""
    try:
        yield
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        raise UpstreamProblem(
            "The database cannot serve the request now; try again in a moment.",
            slug="database-unavailable",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from exc


class FastQuery:
    """A Core ``SELECT`` executed on the driver directly (see the module docstring), in autocommit:
    one statement, its own transaction. A select that embeds a data-modifying CTE (a read that logs
    itself) commits with its read, so this pool must be on the primary, not a replica."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._pg: tuple[str, list[str], list[str], list[Processor]] | None = None
        self._fixed: dict[str, Any] = {}

    def _compiled_pg(self) -> tuple[str, list[str], list[str], list[Processor]]:
        if self._pg is None:
            compiled = self.statement.compile(dialect=_PG_DIALECT)
            # Values the statement carries itself (``col == "approved"``, ``literal(0)``): sent as
            # compiled, so only the named ``bindparam``s come from the caller.
            self._fixed = {
                name: bind.effective_value
                for name, bind in compiled.binds.items()
                if not bind.required and name in (compiled.positiontup or [])
            }
            names = [str(c.key) for c in self.statement.selected_columns]
            # SQLAlchemy's own result processors for this dialect (decorated types included).
            processors: list[Processor] = [
                column.type.dialect_impl(_PG_DIALECT).result_processor(_PG_DIALECT, None)
                for column in self.statement.selected_columns
            ]
            compiled_pg = (compiled.string, list(compiled.positiontup or []), names, processors)
            self._pg = compiled_pg
            return compiled_pg
        return self._pg

    async def all(self, db: Database, **params: Any) -> list[dict[str, Any]]:
        pool = getattr(db, "fast_pool", None)
        if pool is None:
            async with db.read_engine.connect() as conn:
                result = await conn.execute(self.statement, params)
                return [dict(row._mapping) for row in result]
        sql, order, names, processors = self._compiled_pg()
        async with _unavailable_as_problem():
            records = await pool.fetch(sql, *self._args(order, params))
        return [self._row(record, names, processors) for record in records]

    async def first(self, db: Database, **params: Any) -> dict[str, Any] | None:
        pool = getattr(db, "fast_pool", None)
        if pool is None:
            async with db.read_engine.connect() as conn:
                row = (await conn.execute(self.statement, params)).first()
                return dict(row._mapping) if row is not None else None
        sql, order, names, processors = self._compiled_pg()
        async with _unavailable_as_problem():
            record = await pool.fetchrow(sql, *self._args(order, params))
        return self._row(record, names, processors) if record is not None else None

    def _args(self, order: list[str], params: dict[str, Any]) -> list[Any]:
        fixed = self._fixed
        return [params[n] if n in params or n not in fixed else fixed[n] for n in order]

    @staticmethod
    def _row(record: Any, names: list[str], processors: list[Processor]) -> dict[str, Any]:
        return {
            name: (proc(value) if proc is not None else value)
            for name, value, proc in zip(names, record.values(), processors, strict=True)
        }
