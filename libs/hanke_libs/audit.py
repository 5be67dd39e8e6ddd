"""The append-only audit trail every service keeps for every write.

Each service adds the table to its own metadata with :func:`audit_table` and records through an
:class:`AuditTrail`. The initial migration of each service also installs :func:`append_only_ddl`,
so the database itself refuses updates and deletes of audit rows.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession as SAAsyncSession
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep, UtcDateTime
from hanke_libs.inputs import SingleLineText
from hanke_libs.observability import current_request_id
from hanke_libs.paging import Page, PageDep, cursor_after_id, keyset_page

AUDIT_TABLE = "audit_entry"


def audit_table(metadata: MetaData) -> Table:
    """Define the audit table in a service's metadata."""
    return Table(
        AUDIT_TABLE,
        metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("actor_roles", String(200), nullable=False, default=""),
        Column("action", String(60), nullable=False),
        Column("entity_type", String(80), nullable=False),
        Column("entity_id", String(120), nullable=False),
        Column("changes", JSON, nullable=True),
        Column("request_id", String(128), nullable=True),
        Index("ix_audit_entry_entity", "entity_type", "entity_id"),
        Index("ix_audit_entry_occurred_at", "occurred_at"),
    )


def append_only_ddl(dialect: str) -> list[str]:
    """Statements that make the audit table refuse UPDATE and DELETE."""
    if dialect == "postgresql":
        return [
            """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END; $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
            FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
        ]
    return [
        """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
        BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
        """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
        BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
    ]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Fields whose value changed, as ``{field: [old, new]}`` (JSON-ready)."""
    changed: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changed[key] = [_jsonable(old), _jsonable(new)]
    return changed


class AuditTrail:
    """Records and reads one service's audit entries."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def record(
        self,
        session: AsyncSession | SAAsyncSession,
        *,
        actor: Principal | str,
        action: str,
        entity_type: str,
        entity_id: Any,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        """Add one entry in the caller's transaction (it commits with the change it describes)."""
        if isinstance(actor, Principal):
            name, roles = actor.actor, ",".join(sorted(actor.roles))
        else:
            name, roles = actor, ""
        conn = await session.connection()
        await conn.execute(
            insert(self.table).values(
                occurred_at=dt.datetime.now(dt.UTC),
                actor=name[:200],
                actor_roles=roles[:200],
                action=action[:60],
                entity_type=entity_type[:80],
                entity_id=str(entity_id)[:120],
                changes=_jsonable(dict(changes)) if changes is not None else None,
                request_id=current_request_id(),
            )
        )

    async def record_many(
        self, session: AsyncSession | SAAsyncSession, rows: list[dict[str, Any]], *, actor: Principal | str
    ) -> None:
        """Add many entries at once (imports): each row has action, entity_type, entity_id, changes."""
        if not rows:
            return
        if isinstance(actor, Principal):
            name, roles = actor.actor, ",".join(sorted(actor.roles))
        else:
            name, roles = actor, ""
        now = dt.datetime.now(dt.UTC)
        rid = current_request_id()
        conn = await session.connection()
        await conn.execute(
            insert(self.table),
            [
                {
                    "occurred_at": now,
                    "actor": name[:200],
                    "actor_roles": roles[:200],
                    "action": r["action"][:60],
                    "entity_type": r["entity_type"][:80],
                    "entity_id": str(r["entity_id"])[:120],
                    "changes": _jsonable(r.get("changes")),
                    "request_id": rid,
                }
                for r in rows
            ],
        )

    async def list(
        self,
        session: AsyncSession | SAAsyncSession,
        *,
        limit: int,
        after_id: int | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        actor: str | None = None,
    ) -> list[dict[str, Any]]:
        """Entries in id order after ``after_id`` (keyset), at most ``limit + 1``."""
        t = self.table
        stmt = select(t).order_by(t.c.id).limit(limit + 1)
        if after_id is not None:
            stmt = stmt.where(t.c.id > after_id)
        if entity_type:
            stmt = stmt.where(t.c.entity_type == entity_type)
        if entity_id:
            stmt = stmt.where(t.c.entity_id == entity_id)
        if actor:
            stmt = stmt.where(t.c.actor == actor)
        conn = await session.connection()
        result = await conn.execute(stmt)
        return [dict(row._mapping) for row in result]


class AuditEntryPublic(BaseModel):
    id: int
    occurred_at: dt.datetime
    actor: str
    actor_roles: str
    action: str
    entity_type: str
    entity_id: str
    changes: dict[str, Any] | list[Any] | None = None
    request_id: str | None = None


def audit_router(trail: AuditTrail) -> APIRouter:
    """``GET /audit``: the service's audit trail for auditors and admins, oldest first, keyset paged."""
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=Page[AuditEntryPublic],
        summary="Read the audit trail (auditor, admin)",
    )
    async def read_audit(
        session: SessionDep,
        page: PageDep,
        _: Annotated[Principal, Depends(require_roles(Role.auditor, Role.admin))],
        entity_type: Annotated[SingleLineText | None, Query(max_length=80)] = None,
        entity_id: Annotated[SingleLineText | None, Query(max_length=120)] = None,
        actor: Annotated[SingleLineText | None, Query(max_length=200)] = None,
    ) -> Page[AuditEntryPublic]:
        """The service's audit trail, oldest first, a page at a time (keyset cursor): who changed
        what and when, filtered by entity type, entity id or actor. Auditors and admins only."""
        after_id = cursor_after_id(page)
        rows = await trail.list(
            session,
            limit=page.limit,
            after_id=after_id,
            entity_type=entity_type,
            entity_id=entity_id,
            actor=actor,
        )
        items = [AuditEntryPublic.model_validate(r) for r in rows]
        return keyset_page(items, page, key=lambda e: [e.id])

    return router
