"""``GET /read-log``: who read whose personal data, when (auditor, admin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlmodel import col, select

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, cursor_after_id, keyset_page
from participants.models import PersonReadLog

router = APIRouter(tags=["data protection"])


class ReadLogEntry(BaseModel):
    id: int
    occurred_at: dt.datetime
    reader: str
    reader_roles: str
    person_id: str
    purpose: str


@router.get("/read-log", response_model=Page[ReadLogEntry], summary="The person read log (auditor, admin)")
async def read_log(
    session: SessionDep,
    page: PageDep,
    _: Annotated[Principal, Depends(require_roles(Role.auditor, Role.admin))],
    person_id: Annotated[str | None, Query(max_length=36)] = None,
    reader: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ReadLogEntry]:
    stmt = select(PersonReadLog).order_by(col(PersonReadLog.id)).limit(page.limit + 1)
    after_id = cursor_after_id(page)
    if after_id is not None:
        stmt = stmt.where(col(PersonReadLog.id) > after_id)
    if person_id:
        stmt = stmt.where(PersonReadLog.person_id == person_id)
    if reader:
        stmt = stmt.where(PersonReadLog.reader == reader)
    rows = (await session.exec(stmt)).all()
    items = [ReadLogEntry.model_validate(r, from_attributes=True) for r in rows]
    return keyset_page(items, page, key=lambda e: [e.id])
