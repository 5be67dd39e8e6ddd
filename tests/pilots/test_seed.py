"""The pilots service's seed: reference data once, the IDK sample pilots with dated histories, idempotent."""

from __future__ import annotations

from sqlmodel import select

from hanke_libs.db import standalone_database
from pilots.config import Settings
from pilots.models import IndicatorKind, Pilot, Project, ReflectionQuestion, Sector, StageChange
from pilots.seed import seed, seed_reference
from pilots.seed_data import pilot_id


async def test_seed_loads_reference_data_once(settings: Settings) -> None:
    async with standalone_database(settings.resolved_database_url()) as db:
        assert await seed_reference(db) == [
            "project S21894",
            "5 sectors",
            "5 indicator kinds",
            "11 reflection questions",
        ]
        assert await seed_reference(db) == []
        async with db.read_session() as session:
            project = (await session.exec(select(Project))).one()
            sectors = (await session.exec(select(Sector).order_by(Sector.code))).all()
            kinds = (await session.exec(select(IndicatorKind))).all()
            questions = (await session.exec(select(ReflectionQuestion))).all()
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
    evaluation = sorted(
        (q.sort_order, q.text_en, q.private, q.required) for q in questions if q.gate == "evaluated"
    )
    assert [q[1] for q in evaluation] == [
        "What did we assume?",
        "What happened?",
        "What surprised us?",
        "What does the evidence say?",
        "Who was involved?",
        "What would we do differently?",
    ]
    assert all(q[3] for q in evaluation) and {q[1] for q in evaluation if q[2]} == {
        "What surprised us?",
        "Who was involved?",
        "What would we do differently?",
    }
    assert all(q.text_fi and q.text_fi != q.text_en for q in questions)


async def test_seed_loads_sample_pilots_with_history_once(settings: Settings) -> None:
    async with standalone_database(settings.resolved_database_url()) as db:
        assert (await seed(db))[-1] == "5 sample pilots of S21894"
        assert await seed(db) == []
        async with db.read_session() as session:
            pilots = {p.id: p for p in (await session.exec(select(Pilot))).all()}
            changes = (await session.exec(select(StageChange))).all()
    assert set(pilots) == {pilot_id(n) for n in range(1, 6)}
    assert pilots[pilot_id(1)].stage == "established" and pilots[pilot_id(4)].stage == "discontinued"
    assert all(p.description and "Sample data" in p.description for p in pilots.values())
    days = sorted(c.effective_on.isoformat() for c in changes)
    assert days[0] == "2020-02-03" and days[-1] == "2022-04-04"
