"""The IDK seed: the project as applied, idempotent, sample lines marked as such."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from budget import projects
from budget.config import Settings
from budget.models import BudgetLine, CostCategory, Project
from budget.seed import IDK_CODE, SAMPLE_NOTE, seed
from hanke_libs.db import standalone_database


async def test_seed_loads_idk_once(settings: Settings) -> None:
    async with standalone_database(settings.resolved_database_url()) as db:
        first = await seed(db)
        assert any(IDK_CODE in line for line in first)
        again = await seed(db)
        assert again == []
        async with db.read_session() as session:
            found = (await session.exec(select(Project))).all()
            assert [p.code for p in found] == [IDK_CODE]
            project = found[0]
            assert project.cost_model == "flat_17" and project.lead_implementer == "0171450-7"
            version = await projects.current_version(session=session, project=project)
            assert version is not None and version.kind == "applied" and version.number == 1
            lines = (await session.exec(select(BudgetLine))).all()
            assert lines and all(line.note == SAMPLE_NOTE for line in lines)
            assert sum((line.amount for line in lines), Decimal(0)) < Decimal("1592580.00")
            names = {c.code: c.name_fi for c in (await session.exec(select(CostCategory))).all()}
            assert names["staff"] == "henkilöstökustannukset" and names["income"] == "tulot"
