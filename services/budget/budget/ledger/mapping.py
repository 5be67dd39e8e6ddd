"""The account → cost category mapping used by ledger imports (the project's own, else the default)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.categories import category_map
from budget.db import audit
from budget.models import AccountMapping, Project
from budget.projects import repository as projects
from budget.schemas import Strict
from hanke_libs.auth import Principal
from hanke_libs.problems import InvalidParam, UnprocessableContent


class AccountMappingRow(Strict):
    account_from: int = Field(ge=0, le=99_999_999)
    account_to: int = Field(ge=0, le=99_999_999)
    category: str = Field(min_length=1, max_length=40)


class AccountMappingIn(Strict):
    rows: list[AccountMappingRow] = Field(min_length=1, max_length=500)


class AccountMappingPublic(BaseModel):
    source: str = Field(description="project: the project's own mapping; default: the default mapping")
    rows: list[AccountMappingRow]


async def rows_for(*, session: AsyncSession, project: Project) -> list[tuple[int, int, str]]:
    rows = (await session.exec(select(AccountMapping).where(AccountMapping.project_id == project.id))).all()
    if not rows:
        rows = (
            await session.exec(select(AccountMapping).where(col(AccountMapping.project_id).is_(None)))
        ).all()
    return [(r.account_from, r.account_to, r.category_code) for r in rows]


async def get(*, session: AsyncSession, principal: Principal | None, code: str) -> AccountMappingPublic:
    project = await projects.get(session=session, principal=principal, code=code)
    own = (
        await session.exec(select(AccountMapping.id).where(AccountMapping.project_id == project.id))
    ).first()
    rows = await rows_for(session=session, project=project)
    return AccountMappingPublic(
        source="project" if own else "default",
        rows=[AccountMappingRow(account_from=a, account_to=b, category=c) for a, b, c in rows],
    )


async def replace(
    *, session: AsyncSession, principal: Principal, code: str, data: AccountMappingIn
) -> AccountMappingPublic:
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    cats = await category_map(session)
    errors = [
        InvalidParam(
            name=f"body.rows.{n}", reason="account_to is below account_from or the category is unknown"
        )
        for n, r in enumerate(data.rows)
        if r.account_to < r.account_from or r.category not in cats or cats[r.category].kind == "flat_rate"
    ]
    if errors:
        raise UnprocessableContent("The mapping is not valid.", slug="invalid-mapping", errors=errors)
    conn = await session.connection()
    await conn.execute(delete(AccountMapping).where(col(AccountMapping.project_id) == project.id))
    for r in data.rows:
        session.add(
            AccountMapping(
                project_id=project.id,
                account_from=r.account_from,
                account_to=r.account_to,
                category_code=r.category,
            )
        )
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="replace",
        entity_type="account_mapping",
        entity_id=project.code,
        changes=data.model_dump(),
    )
    return await get(session=session, principal=principal, code=code)


def as_dict(m: AccountMappingPublic) -> dict[str, Any]:
    return m.model_dump()
