"""A small app built on the shared infrastructure, on a throwaway database holding an audit table
and a versioned ``document`` table (made with create_all plus the append-only triggers), to test libs
behaviour through HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, Field
from sqlalchemy import bindparam, create_engine, select, text
from sqlmodel import Field as SQLField

from hanke_libs.app import create_base_app
from hanke_libs.audit import AuditTrail, append_only_ddl, audit_router, audit_table
from hanke_libs.auth import CurrentPrincipal, Principal, Role, require_roles
from hanke_libs.db import SessionDep, make_base, sync_url
from hanke_libs.fastread import FastQuery
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.problems import Conflict, NotFound
from hanke_libs.settings import AppSettings
from hanke_libs.testing import MigratedDatabase, running

if TYPE_CHECKING:  # mypy sees the SQLModel base; at run time it has its own registry and metadata
    from sqlmodel import SQLModel as Base
else:
    Base = make_base()
metadata = Base.metadata
audit = AuditTrail(audit_table(metadata))


class Document(Base, table=True):
    """A versioned resource for the If-Match tests (tests/libs/test_etag.py)."""

    id: int | None = SQLField(default=None, primary_key=True)
    title: str = SQLField(max_length=200)
    status: str = SQLField(default="draft", max_length=20)
    version: int = 1


def build_schema(url: str) -> None:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            for statement in append_only_ddl(conn.dialect.name):
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def libs_database(backend: str, workdir: Path) -> Iterator[MigratedDatabase]:
    database = MigratedDatabase(backend, "libs", metadata, build_schema, workdir / backend)
    try:
        yield database
    finally:
        database.close()


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=10)


def make_app(settings: AppSettings) -> FastAPI:
    app = create_base_app(name="libs-test", title="libs test", version="0", description="", settings=settings)
    router = APIRouter()

    @router.post("/things", status_code=201)
    async def create_thing(thing: Thing, session: SessionDep, who: CurrentPrincipal) -> dict[str, str]:
        await audit.record(
            session, actor=who, action="create", entity_type="thing", entity_id=thing.name, changes={"n": 1}
        )
        if thing.name == "conflict":
            raise Conflict("Thing exists", slug="thing-exists", existing="conflict")
        if thing.name == "boom":
            raise RuntimeError("unexpected")
        return {"name": thing.name}

    @router.get("/things", response_model=Page[dict[str, str]])
    async def list_things(
        session: SessionDep, page: PageDep, _: Annotated[Principal, Depends(require_roles(Role.admin))]
    ) -> Page[dict[str, str]]:
        t = audit.table
        conn = await session.connection()
        rows = (
            await conn.execute(
                select(t.c.entity_id).order_by(t.c.id).limit(page.limit + 1).offset(page.offset)
            )
        ).all()
        return offset_page([{"name": r[0]} for r in rows], page)

    @router.post("/tamper")
    async def tamper(session: SessionDep, _: CurrentPrincipal) -> dict[str, str]:
        conn = await session.connection()
        await conn.execute(text("UPDATE audit_entry SET actor = 'someone else'"))
        return {"status": "tampered"}

    entry_by_id = FastQuery(select(audit.table).where(audit.table.c.id == bindparam("entry_id")))

    @router.get("/fast/{entry_id}")
    async def fast_entry(entry_id: int, request: Request, _: CurrentPrincipal) -> dict[str, Any]:
        row = await entry_by_id.first(request.app.state.db, entry_id=entry_id)
        if row is None:
            raise NotFound(f"No entry {entry_id}")
        return {
            "pool": request.app.state.db.fast_pool is not None,
            "aware": row["occurred_at"].tzinfo is not None,
            "changes_type": type(row["changes"]).__name__,
            **{k: v for k, v in row.items() if k != "occurred_at"},
        }

    app.include_router(router)
    app.include_router(audit_router(audit))
    return app


@pytest.fixture
def settings(libs_database: MigratedDatabase) -> AppSettings:
    return AppSettings(database_url=libs_database.fresh_url(), log_json=False)


@pytest.fixture
async def client(settings: AppSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app(settings)) as c:
        yield c
