"""Reference data the participants service needs on a new database (idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.db import Database
from participants.models import AssessmentRound, Framework, FrameworkArea, FrameworkItem, Sector
from participants.seed_data import FRAMEWORKS, IDK_PROJECT_CODE, ROUNDS, SECTORS_2020


async def seed_framework(session: AsyncSession, spec: dict[str, Any]) -> bool:
    """Create a framework with its areas and items unless its code exists; True if created."""
    if (await session.exec(select(Framework).where(Framework.code == spec["code"]))).first():
        return False
    framework = Framework(
        code=spec["code"],
        name=spec["name"],
        kind=spec["kind"],
        subject=spec["subject"],
        scale_min=spec["scale_min"],
        scale_max=spec["scale_max"],
        level_labels=spec["level_labels"],
        description=spec.get("description"),
    )
    session.add(framework)
    await session.flush()
    assert framework.id is not None
    position = 0
    for a_pos, (a_code, a_name, items) in enumerate(spec["areas"]):
        area = FrameworkArea(framework_id=framework.id, code=a_code, name=a_name, position=a_pos)
        session.add(area)
        await session.flush()
        assert area.id is not None
        for i_code, i_name in items:
            session.add(
                FrameworkItem(
                    framework_id=framework.id, area_id=area.id, code=i_code, name=i_name, position=position
                )
            )
            position += 1
    await session.flush()
    return True


async def seed_rounds(session: AsyncSession, project_code: str) -> int:
    """The baseline, interim and final rounds of every framework for ``project_code``; returns how many made."""
    made = 0
    for framework in (await session.exec(select(Framework))).all():
        existing = {
            r.name
            for r in (
                await session.exec(
                    select(AssessmentRound).where(
                        AssessmentRound.framework_id == framework.id,
                        AssessmentRound.project_code == project_code,
                    )
                )
            ).all()
        }
        for name, kind, opens, closes in ROUNDS:
            if name not in existing:
                assert framework.id is not None
                session.add(
                    AssessmentRound(
                        framework_id=framework.id,
                        project_code=project_code,
                        name=name,
                        kind=kind,
                        opens_on=opens,
                        closes_on=closes,
                    )
                )
                made += 1
    await session.flush()
    return made


async def seed_sectors(session: AsyncSession) -> int:
    existing = set((await session.exec(select(Sector.code))).all())
    made = 0
    for code, name in SECTORS_2020:
        if code not in existing:
            session.add(Sector(code=code, name=name, valid_from=dt.date(2020, 1, 1)))
            made += 1
    await session.flush()
    return made


async def seed_session(session: AsyncSession) -> list[str]:
    """Seed in the given session (the caller commits)."""
    done: list[str] = []
    for spec in FRAMEWORKS:
        if await seed_framework(session, spec):
            done.append(f"framework {spec['code']}")
    if n := await seed_sectors(session):
        done.append(f"{n} sectors")
    if n := await seed_rounds(session, IDK_PROJECT_CODE):
        done.append(f"{n} assessment rounds of project {IDK_PROJECT_CODE}")
    return done


async def seed(db: Database) -> list[str]:
    """Load the reference data; returns what was loaded, for the command's progress output."""
    async with db.write_session() as session:
        done = await seed_session(session)
        await session.commit()
    return done
