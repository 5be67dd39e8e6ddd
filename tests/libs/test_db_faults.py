"""A database that cannot serve (restart, dropped connection, exhausted pool, locked SQLite) is a
503 problem with Retry-After on every path, never a 500; other errors stay 500s."""

from __future__ import annotations

import asyncpg
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import exc as sa
from sqlalchemy import text

from hanke_libs.app import create_base_app
from hanke_libs.db import SessionDep
from hanke_libs.dbfaults import database_unavailable, unstorable_text
from hanke_libs.settings import AppSettings
from hanke_libs.testing import backends, postgres_admin_url, running


class _Shutdown(Exception):
    sqlstate = "57P03"  # cannot_connect_now: "the database system is starting up"


def _internal_after_broken_connection() -> Exception:
    try:
        try:
            raise asyncpg.InterfaceError("cannot switch to state 12; another operation (2) is in progress")
        except asyncpg.InterfaceError as inner:
            raise sa.InternalError("SELECT 1", {}, inner) from inner
    except sa.InternalError as outer:
        return outer


FAULTS: dict[str, Exception] = {
    "operational": sa.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
    "pool-timeout": sa.TimeoutError("QueuePool limit of size 20 overflow 5 reached"),
    "shutting-down": sa.DBAPIError("SELECT 1", {}, _Shutdown("the database system is shutting down")),
    "broken-mid-statement": _internal_after_broken_connection(),
    "refused": ConnectionRefusedError(111, "Connection refused"),
    "client-state": asyncpg.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    ),
    "reset": ConnectionResetError(104, "Connection reset by peer"),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_classified_as_unavailable(name: str) -> None:
    assert database_unavailable(FAULTS[name])


@pytest.mark.parametrize(
    "error",
    [ValueError("bug"), sa.IntegrityError("INSERT", {}, Exception("unique")), KeyError("x")],
)
def test_programming_errors_are_not(error: Exception) -> None:
    assert not database_unavailable(error)


def _app(settings: AppSettings) -> FastAPI:
    app = create_base_app(name="faults", title="faults", version="0", description="", settings=settings)
    router = APIRouter()

    @router.get("/fault/{name}")
    async def fault(name: str) -> None:
        if name == "bug":
            raise ValueError("a bug")
        raise FAULTS[name]

    @router.get("/query")
    async def query(session: SessionDep) -> dict[str, int]:
        return {"one": int((await session.exec(text("SELECT 1"))).one()[0])}  # type: ignore[call-overload]

    @router.post("/text")
    async def store(session: SessionDep, value: str) -> dict[str, str]:
        row = (await session.exec(text("SELECT CAST(:v AS text)").bindparams(v=value))).one()  # type: ignore[call-overload]
        return {"stored": str(row[0])}

    @router.post("/query")
    async def write(session: SessionDep) -> dict[str, int]:
        return {"one": int((await session.exec(text("SELECT 1"))).one()[0])}  # type: ignore[call-overload]

    app.include_router(router)
    return app


async def test_each_fault_is_a_503_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = AppSettings(database_url=f"sqlite:///{tmp_path}/x.db", log_json=False)
    async with running(_app(settings)) as client:
        for name in FAULTS:
            response = await client.get(f"/fault/{name}")
            assert response.status_code == 503, name
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"] == "2"
            body = response.json()
            assert body["type"].endswith("/database-unavailable") and body["request_id"]
        bug = await client.get("/fault/bug")
        assert bug.status_code == 500 and bug.json()["type"].endswith("/internal")


async def test_an_unreachable_postgresql_is_a_503_on_reads_and_writes() -> None:
    # Nothing listens on port 1: every connection attempt is refused.
    settings = AppSettings(
        database_url="postgresql://nobody@127.0.0.1:1/none", db_read_pool_size=0, log_json=False
    )
    async with running(_app(settings)) as client:
        for method in ("GET", "POST"):
            response = await client.request(method, "/query")
            assert response.status_code == 503, (method, response.text)
            assert response.json()["type"].endswith("/database-unavailable")


@pytest.mark.skipif("postgresql" not in backends(), reason="PostgreSQL refuses NUL in text; SQLite stores it")
async def test_text_postgresql_cannot_store_is_a_422_problem() -> None:
    """A NUL that no field type stopped reaches PostgreSQL (SQLSTATE 22021): a 422 a person can act
    on, never a 500, and not mistaken for unavailability."""
    settings = AppSettings(database_url=postgres_admin_url(), db_read_pool_size=0, log_json=False)
    async with running(_app(settings)) as client:
        fine = await client.post("/text", params={"value": "Kokeilu"})
        assert fine.status_code == 200 and fine.json() == {"stored": "Kokeilu"}, fine.text
        bad = await client.post("/text", params={"value": "Kokeilu\u0000"})
        assert bad.status_code == 422, bad.text
        body = bad.json()
        assert body["type"].endswith("/unstorable-text") and "NUL" in body["detail"] and body["request_id"]
        assert "retry-after" not in bad.headers


def test_unstorable_text_is_told_apart() -> None:
    class _Nul(Exception):
        sqlstate = "22021"

    wrapped = sa.DBAPIError("INSERT", {}, _Nul("invalid byte sequence for encoding UTF8: 0x00"))
    assert unstorable_text(wrapped) and not database_unavailable(wrapped)
    assert not unstorable_text(FAULTS["operational"]) and not unstorable_text(ValueError("x"))
