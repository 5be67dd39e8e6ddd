"""hanke_libs.sqljson.json_rows: children as a JSON column of their parent's row, on both backends,
read by a FastQuery (the asyncpg read pool on PostgreSQL, the engine on SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    select,
)

from hanke_libs.db import Database, sync_url
from hanke_libs.fastread import FastQuery, close_read_pool, open_read_pool
from hanke_libs.money import Cents
from hanke_libs.sqljson import json_rows
from hanke_libs.testing import MigratedDatabase

metadata = MetaData()
parent = Table("sj_parent", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
child = Table(
    "sj_child",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", ForeignKey("sj_parent.id")),
    Column("label", String(20)),
    Column("amount", Cents),
    Column("day", Date),
)

kids = json_rows(id=child.c.id, label=child.c.label, amount=child.c.amount, day=child.c.day)
READ = FastQuery(
    select(
        parent.c.id,
        parent.c.name,
        select(kids).where(child.c.parent_id == parent.c.id).scalar_subquery().label("children"),
    ).where(parent.c.id == bindparam("id"))
)


@pytest.fixture
async def db(libs_database: MigratedDatabase) -> AsyncIterator[Database]:
    url = libs_database.fresh_url()
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(parent.insert(), [{"id": 1, "name": "one"}, {"id": 2, "name": "none"}])
        conn.execute(
            child.insert(),
            [
                {"id": 11, "parent_id": 1, "label": "a'b", "amount": 12345, "day": None},
                {"id": 12, "parent_id": 1, "label": None, "amount": -1, "day": None},
            ],
        )
    engine.dispose()
    database = Database(url)
    await open_read_pool(database, 2)
    try:
        yield database
    finally:
        await close_read_pool(database)
        await database.dispose()
        engine = create_engine(sync_url(url))
        with engine.begin() as conn:
            metadata.drop_all(conn)
        engine.dispose()


async def test_children_come_back_as_json_rows_of_their_parent_only(db: Database, backend: str) -> None:
    assert (db.fast_pool is not None) == (backend == "postgresql")
    row = await READ.first(db, id=1)
    assert row is not None and row["name"] == "one"
    children = sorted(row["children"], key=lambda c: c["id"])
    # Cents are stored as integer cents and come back as the JSON number of cents.
    assert children == [
        {"id": 11, "label": "a'b", "amount": 1234500, "day": None},
        {"id": 12, "label": None, "amount": -100, "day": None},
    ]


async def test_a_parent_without_children_has_an_empty_array(db: Database) -> None:
    row = await READ.first(db, id=2)
    assert row is not None and row["children"] == []
    assert await READ.first(db, id=3) is None


def test_keys_must_be_identifiers() -> None:
    with pytest.raises(ValueError, match="lower-case identifier"):
        json_rows(**{"x') || pg_sleep(1) --": child.c.id})
