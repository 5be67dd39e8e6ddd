"""The apps compared by ``data_path.py``: one row by id, through different data paths.

Selected with ``BENCH_VARIANT`` and pointed at ``BENCH_DATABASE_URL`` (plain ``postgresql://`` URL):

- ``raw``: a bare FastAPI endpoint on an asyncpg pool (the driver's limit);
- ``raw-sql``: the same bare endpoint at ``/raw/{arg}`` running ``BENCH_RAW_SQL`` (a JSON string with
  ``$1`` = ``arg``), for the hot reads of real services (``hot_reads.py``);
- ``stack``: the services' real stack (hanke_libs app factory, request ids, problem handlers, bearer
  auth, ``SessionDep`` with an autocommit read session, a SQLModel table model, a response model);
- ``stack-fast``: the same stack, with the read as a ``hanke_libs.fastread.FastQuery`` (a Core
  statement compiled once, run on the service's asyncpg read pool in autocommit);
- ``stack-tx``: the ORM stack, but the read runs in a transaction (BEGIN ... ROLLBACK);
- ``sync``: a sync SQLModel session (psycopg) in the threadpool, with auth and problems.
"""

import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import bindparam, create_engine
from sqlalchemy import select as select_core
from sqlmodel import Field, Session, select

from hanke_libs.app import create_base_app
from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep, make_base, sync_url
from hanke_libs.fastread import FastQuery
from hanke_libs.problems import NotFound
from hanke_libs.settings import AppSettings

Base = make_base()


class BenchItem(Base, table=True):  # type: ignore[valid-type,misc]
    __tablename__ = "bench_item"
    id: int = Field(primary_key=True)
    name: str
    owner: str
    amount_cents: int


class ItemPublic(BaseModel):
    id: int
    name: str
    owner: str
    amount_cents: int


URL = os.environ.get("BENCH_DATABASE_URL", "")
VARIANT = os.environ.get("BENCH_VARIANT", "stack")


def raw_app() -> FastAPI:
    import asyncpg

    state: dict[str, Any] = {}

    async def init(conn: Any) -> None:
        await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(URL, min_size=5, max_size=10, init=init)
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)
    raw_sql = json.loads(os.environ.get("BENCH_RAW_SQL", '""'))

    @app.get("/raw/{arg}")
    async def get_raw(arg: str) -> list[dict[str, Any]]:
        return [dict(r) for r in await state["pool"].fetch(raw_sql, arg)]

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, Any]:
        row = await state["pool"].fetchrow(
            "SELECT id, name, owner, amount_cents FROM bench_item WHERE id = $1", item_id
        )
        return dict(row)

    @app.get("/livez")
    async def livez() -> dict[str, str]:
        return {"status": "alive"}

    return app


def stack_app(transactional: bool) -> FastAPI:
    settings = AppSettings(database_url=URL, log_level="WARNING", db_pool_size=20)
    app = create_base_app(name="bench", title="bench", version="0", description="", settings=settings)

    async def tx_session(request: Request) -> Any:
        async with request.app.state.db.write_session() as session:
            try:
                yield session
            finally:
                await session.rollback()

    session_dep: Any = Annotated[Any, Depends(tx_session)] if transactional else SessionDep

    @app.get("/items/{item_id}", response_model=ItemPublic)
    async def get_item(item_id: int, session: session_dep, _: CurrentPrincipal) -> BenchItem:
        item = (await session.exec(select(BenchItem).where(BenchItem.id == item_id))).first()
        if item is None:
            raise NotFound(f"No item {item_id}")
        return item

    return app


def fast_app() -> FastAPI:
    settings = AppSettings(database_url=URL, log_level="WARNING", db_pool_size=20)
    app = create_base_app(name="bench", title="bench", version="0", description="", settings=settings)
    table = BenchItem.__table__
    item_by_id = FastQuery(select_core(table).where(table.c.id == bindparam("item_id")))  # type: ignore[attr-defined]

    @app.get("/items/{item_id}", response_model=ItemPublic)
    async def get_item(item_id: int, request: Request, _: CurrentPrincipal) -> dict[str, Any]:
        row = await item_by_id.first(request.app.state.db, item_id=item_id)
        if row is None:
            raise NotFound(f"No item {item_id}")
        return row

    return app


def sync_app() -> FastAPI:
    settings = AppSettings(database_url=URL, log_level="WARNING")
    app = create_base_app(
        name="bench", title="bench", version="0", description="", settings=settings, use_database=False
    )
    engine = create_engine(sync_url(URL), pool_size=10, max_overflow=10)

    @app.get("/items/{item_id}", response_model=ItemPublic)
    def get_item(item_id: int, _: CurrentPrincipal) -> BenchItem:
        with Session(engine) as session:
            item = session.exec(select(BenchItem).where(BenchItem.id == item_id)).first()
            if item is None:
                raise NotFound(f"No item {item_id}")
            return item

    return app


def create_app() -> FastAPI:
    if VARIANT in ("raw", "raw-sql"):
        return raw_app()
    if VARIANT == "stack":
        return stack_app(transactional=False)
    if VARIANT == "stack-fast":
        return fast_app()
    if VARIANT == "stack-tx":
        return stack_app(transactional=True)
    if VARIANT == "sync":
        return sync_app()
    raise SystemExit(f"unknown BENCH_VARIANT {VARIANT!r}")
