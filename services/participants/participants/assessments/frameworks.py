"""Frameworks as data: framework -> areas -> items, a scale. Reference data every staff role reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.paging import PageParams
from hanke_libs.problems import NotFound
from participants.models import Framework, FrameworkArea, FrameworkItem


class Frameworks:
    """Assessment frameworks (not personal data: every role but hr_sync reads them)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Framework:
        framework = (await self.session.exec(select(Framework).where(Framework.code == code))).first()
        if framework is None:
            raise NotFound(f"No framework {code}.")
        return framework

    async def by_id(self, framework_id: int) -> Framework:
        framework = await self.session.get(Framework, framework_id)
        assert framework is not None  # a foreign key
        return framework

    async def all(self) -> list[Framework]:
        return list((await self.session.exec(select(Framework).order_by(col(Framework.code)))).all())

    async def page(self, page: PageParams) -> tuple[list[Framework], int]:
        total = (await self.session.exec(select(func.count()).select_from(Framework))).one()
        stmt = select(Framework).order_by(col(Framework.code)).offset(page.offset).limit(page.limit + 1)
        return list((await self.session.exec(stmt)).all()), total

    async def codes(self) -> dict[int, str]:
        return {f.id: f.code for f in (await self.session.exec(select(Framework))).all() if f.id is not None}

    async def items_by_code(self, framework: Framework) -> dict[str, FrameworkItem]:
        items = await self.session.exec(
            select(FrameworkItem).where(FrameworkItem.framework_id == framework.id)
        )
        return {i.code: i for i in items.all()}

    async def public(self, framework: Framework) -> dict[str, Any]:
        areas = (
            await self.session.exec(
                select(FrameworkArea)
                .where(FrameworkArea.framework_id == framework.id)
                .order_by(col(FrameworkArea.position))
            )
        ).all()
        items = (
            await self.session.exec(
                select(FrameworkItem)
                .where(FrameworkItem.framework_id == framework.id)
                .order_by(col(FrameworkItem.position))
            )
        ).all()
        return {
            **framework.model_dump(exclude={"id"}),
            "areas": [
                {
                    "code": a.code,
                    "name": a.name,
                    "items": [{"code": i.code, "name": i.name} for i in items if i.area_id == a.id],
                }
                for a in areas
            ],
        }
