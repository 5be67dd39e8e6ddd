"""The pilots service's reference data: loaded once, idempotent."""

from __future__ import annotations

from sqlmodel import select

from hanke_libs.db import standalone_database
from pilots.config import Settings
from pilots.models import IndicatorKind, Project, Sector
from pilots.seed import seed


async def test_seed_loads_reference_data_once(settings: Settings) -> None:
    async with standalone_database(settings.resolved_database_url()) as db:
        assert await seed(db) == ["project S21894", "5 sectors", "5 indicator kinds"]
        assert await seed(db) == []
        async with db.read_session() as session:
            project = (await session.exec(select(Project))).one()
            sectors = (await session.exec(select(Sector).order_by(Sector.code))).all()
            kinds = (await session.exec(select(IndicatorKind))).all()
    assert (project.code, str(project.period_start), str(project.period_end)) == (
        "S21894",
        "2020-01-01",
        "2022-12-31",
    )
    assert "kasvu-ja-oppiminen" in {s.code for s in sectors}
    assert all(s.name_en and s.name_fi for s in sectors)
    assert {k.code for k in kinds} == {
        "impact",
        "well_being_at_work",
        "productivity",
        "customer_experience",
        "other",
    }
