"""Reference and sample data the pilots service loads on a new database (idempotent).

:func:`seed_reference`: the IDK project reference, Kuopio's administrative sectors around 2020
(DOMAIN.md §1), the indicator kinds and the default reflection questions. Rows that exist already are
left as they are: they are configurable data that an administrator may have corrected since.

:func:`seed`: the reference data and the IDK sample pilots with dated histories (``seed_data``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.db import Database
from pilots.models import (
    Establishment,
    EstablishmentPilot,
    GateDecision,
    Indicator,
    IndicatorKind,
    Measurement,
    Pilot,
    PilotSector,
    Project,
    ReflectionAnswer,
    ReflectionQuestion,
    Sector,
    StageChange,
    TimelinePost,
    audit,
)
from pilots.seed_data import EVALUATION_ANSWERS, PILOTS, PROJECT, QUESTIONS, SAMPLE_NOTE, pilot_id

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
SEED_ACTOR = "seed"


async def _reference(session: AsyncSession) -> list[str]:
    loaded: list[str] = []
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
    have_questions = set((await session.exec(select(ReflectionQuestion.code))).all())
    new_questions = [q for q in QUESTIONS if q[0] not in have_questions]
    for code, gate, fi, en, private, required, order in new_questions:
        session.add(
            ReflectionQuestion(
                code=code,
                gate=gate,
                text_fi=fi,
                text_en=en,
                private=private,
                required=required,
                sort_order=order,
            )
        )
    if new_questions:
        loaded.append(f"{len(new_questions)} reflection questions")
    await session.flush()
    return loaded


def _at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


async def _sample_pilot(session: AsyncSession, spec: dict[str, Any], questions: dict[str, str]) -> None:
    pid = pilot_id(spec["n"])
    history = spec["history"]
    pilot = Pilot(
        id=pid,
        project_code=PROJECT,
        title=spec["title"],
        need=spec["need"],
        description=SAMPLE_NOTE,
        owner_id=spec["owner_id"],
        customer_groups=spec["customer_groups"],
        customer_involvement_method=spec["customer_involvement_method"],
        customers_involved=spec["customers_involved"],
        start_date=dt.date.fromisoformat(spec["start_date"]) if spec["start_date"] else None,
        end_date=dt.date.fromisoformat(spec["end_date"]) if spec["end_date"] else None,
        riskiest_assumption=spec["riskiest_assumption"],
        what_happened=spec["what_happened"],
        conclusion=spec["conclusion"],
        next_step=spec["next_step"],
        success_rating=spec["success_rating"],
        stage=history[-1][1],
        version=len(history),
        created_at=_at(history[0][0], 9),
        updated_at=_at(history[-1][0]),
    )
    canvas: dict[str, Any] = spec["canvas"]
    for key, value in canvas.items():
        setattr(pilot, key, Decimal(value) if key == "hypothesis_outcome_percent" else value)
    session.add(pilot)
    await session.flush()
    for code in spec["sectors"]:
        session.add(PilotSector(pilot_id=pid, sector_code=code))
    measurement_ids: list[str] = []
    if spec["indicator"]:
        kind, name, unit, direction, baseline, target, survey = spec["indicator"]
        ind = Indicator(
            pilot_id=pid,
            kind_code=kind,
            name=name,
            unit=unit,
            direction=direction,
            baseline=baseline,
            target=target,
            survey_based=survey,
            created_at=_at(history[0][0], 10),
        )
        session.add(ind)
        await session.flush()
        for i, (day, value, respondents) in enumerate(spec["measurements"], start=1):
            m = Measurement(
                pilot_id=pid,
                indicator_id=ind.id,
                measured_on=dt.date.fromisoformat(day),
                value=value,
                respondents=respondents,
                source="seed",
                external_id=f"seed-{spec['n']}-{i}",
                created_at=_at(day),
            )
            session.add(m)
            measurement_ids.append(m.id)
    for day, text in spec["posts"]:
        session.add(
            TimelinePost(
                pilot_id=pid,
                author_id=spec["owner_id"],
                posted_on=dt.date.fromisoformat(day),
                text=text,
                created_at=_at(day),
            )
        )
    record_id = None
    if spec.get("establishment"):
        est = spec["establishment"]
        record = Establishment(
            project_code=PROJECT,
            practice=est["practice"],
            anchor_kind=est["anchor_kind"],
            anchor_name=est["anchor_name"],
            decision_date=dt.date.fromisoformat(est["decision_date"]),
            decision_reference=est["decision_reference"],
            status=est["status"],
            created_at=_at("2021-11-10"),
            updated_at=_at(est["decision_date"]),
        )
        session.add(record)
        await session.flush()
        session.add(EstablishmentPilot(establishment_id=record.id, pilot_id=pid))
        record_id = record.id
    if any(stage == "evaluated" for _, stage, *_ in history):
        for code, text in EVALUATION_ANSWERS.items():
            session.add(
                ReflectionAnswer(
                    pilot_id=pid, question_id=questions[code], answer=text, answered_by=spec["owner_id"]
                )
            )
    previous = None
    await session.flush()
    for day, stage, kind, reason, decision in history:
        decision_id = None
        if decision is not None:
            gate, outcome, reference, body = decision
            evaluation = gate == "evaluation"
            row = GateDecision(
                pilot_id=pid,
                project_code=PROJECT,
                gate=gate,
                outcome=outcome,
                from_stage=previous or stage,
                to_stage=stage,
                reasoning=reason,
                decided_on=dt.date.fromisoformat(day),
                reference=reference,
                decision_body=body,
                decided_by="sample-project-manager",
                evidence=[{"kind": "measurement", "ref": m, "note": None} for m in measurement_ids[-2:]]
                if evaluation
                else [],
                success_rating=spec["success_rating"] if evaluation else None,
                establishment_id=record_id if outcome == "scale_up" else None,
                recorded_at=_at(day, 14),
            )
            session.add(row)
            await session.flush()
            decision_id = row.id
        if stage != previous:  # a decision that keeps the stage (scale up, park) moves nothing
            session.add(
                StageChange(
                    pilot_id=pid,
                    from_stage=previous,
                    to_stage=stage,
                    kind=kind,
                    reason=reason,
                    actor="sample-project-manager" if decision else spec["owner_id"],
                    at=_at(day),
                    effective_on=dt.date.fromisoformat(day),
                    decision_id=decision_id,
                )
            )
        previous = stage
    await audit.record(
        session,
        actor=SEED_ACTOR,
        action="seed",
        entity_type="pilot",
        entity_id=pid,
        changes={"title": spec["title"], "stage": history[-1][1], "sample": True},
    )


async def seed_reference(db: Database) -> list[str]:
    """Load the reference data only; returns what was loaded."""
    async with db.write_session() as session:
        loaded = await _reference(session)
        await session.commit()
    return loaded


async def seed(db: Database) -> list[str]:
    """Load the reference data and the IDK sample pilots; returns what was loaded, for the command's output."""
    async with db.write_session() as session:
        loaded = await _reference(session)
        questions = {q.code: q.id for q in (await session.exec(select(ReflectionQuestion))).all()}
        have = set((await session.exec(select(Pilot.id).where(Pilot.project_code == PROJECT))).all())
        new = [spec for spec in PILOTS if pilot_id(spec["n"]) not in have]
        if not have:  # sample pilots only on a project that has none of its own yet
            for spec in new:
                await _sample_pilot(session, spec, questions)
            if new:
                loaded.append(f"{len(new)} sample pilots of {PROJECT}")
        await session.commit()
    return loaded
