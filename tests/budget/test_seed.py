"""The IDK seed: the applied and the decided version, idempotent, sample data marked as such."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from budget.config import Settings
from budget.models import BudgetDecision, BudgetLine, BudgetVersion, CostCategory, Project
from budget.seed import IDK_CODE, SAMPLE_NOTE, seed
from budget.versions import repository as versions
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
            version = await versions.current(session=session, project=project)
            assert version is not None and version.kind == "decided" and version.number == 2
            kinds = [v.kind for v in (await session.exec(select(BudgetVersion))).all()]
            assert sorted(kinds) == ["applied", "decided"]
            lines = (await session.exec(select(BudgetLine))).all()
            assert lines and all(line.note == SAMPLE_NOTE for line in lines)
            assert sum((line.amount for line in lines), Decimal(0)) < Decimal("1592580.00") * 2
            decisions = (await session.exec(select(BudgetDecision))).all()
            assert {(d.body, d.reference) for d in decisions} == {
                ("city_board", "Kuopion kaupunginhallitus § 81/2019"),
                ("funder", "Etelä-Savon ELY-keskus, rahoituspäätös S21894 (sample reference)"),
            }
            assert all("Sample" in (d.note or "") for d in decisions)
            names = {c.code: c.name_fi for c in (await session.exec(select(CostCategory))).all()}
            assert names["staff"] == "henkilöstökustannukset" and names["income"] == "tulot"
