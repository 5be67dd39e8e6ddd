"""Reference data the pilots service needs on a new database (idempotent).

Loads the IDK project reference, Kuopio's administrative sectors around 2020 (DOMAIN.md §1) and the
indicator kinds. Rows that exist already are left as they are: they are configurable data that an
administrator may have corrected since.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from hanke_libs.db import Database
from pilots.models import IndicatorKind, Project, Sector

PROJECTS = [
    Project(
        code="S21894",
        name="Ihmiskeskeinen digitaalinen kunta (IDK)",
        period_start=dt.date(2020, 1, 1),
        period_end=dt.date(2022, 12, 31),
    ),
]

# Kuopio's service areas (palvelualueet) around 2020. The exact list is to be verified; from 2026 the
# city has three toimialat, and social and health services moved to the wellbeing services county
# (hyvinvointialue) on 2023-01-01, hence the end dates.
SECTORS = [
    ("konsernipalvelut", "Konsernipalvelut", "Group services", None, dt.date(2025, 12, 31)),
    (
        "kasvu-ja-oppiminen",
        "Kasvun ja oppimisen palvelualue",
        "Growth and learning services",
        None,
        dt.date(2025, 12, 31),
    ),
    (
        "hyvinvoinnin-edistaminen",
        "Hyvinvoinnin edistämisen palvelualue",
        "Promotion of well-being services",
        None,
        dt.date(2025, 12, 31),
    ),
    (
        "kaupunkiymparisto",
        "Kaupunkiympäristön palvelualue",
        "Urban environment services",
        None,
        dt.date(2025, 12, 31),
    ),
    (
        "sosiaali-ja-terveyspalvelut",
        "Sosiaali- ja terveyspalvelut",
        "Social and health services",
        None,
        dt.date(2022, 12, 31),
    ),
]

INDICATOR_KINDS = [
    ("impact", "Vaikuttavuus", "Impact"),
    ("well_being_at_work", "Työhyvinvointi", "Well-being at work"),
    ("productivity", "Tuottavuus", "Productivity"),
    ("customer_experience", "Asiakaskokemus", "Customer experience"),
    ("other", "Muu", "Other"),
]


async def seed(db: Database) -> list[str]:
    """Load the reference data; returns what was loaded, for the command's progress output."""
    loaded: list[str] = []
    async with db.write_session() as session:
        have_projects = set((await session.exec(select(Project.code))).all())
        for project in PROJECTS:
            if project.code not in have_projects:
                session.add(Project.model_validate(project.model_dump()))
                loaded.append(f"project {project.code}")
        have_sectors = set((await session.exec(select(Sector.code))).all())
        new_sectors = [s for s in SECTORS if s[0] not in have_sectors]
        for code, fi, en, start, end in new_sectors:
            session.add(Sector(code=code, name_fi=fi, name_en=en, valid_from=start, valid_to=end))
        if new_sectors:
            loaded.append(f"{len(new_sectors)} sectors")
        have_kinds = set((await session.exec(select(IndicatorKind.code))).all())
        new_kinds = [k for k in INDICATOR_KINDS if k[0] not in have_kinds]
        for order, (code, fi, en) in enumerate(INDICATOR_KINDS):
            if code not in have_kinds:
                session.add(IndicatorKind(code=code, name_fi=fi, name_en=en, sort_order=order))
        if new_kinds:
            loaded.append(f"{len(new_kinds)} indicator kinds")
        await session.commit()
    return loaded
