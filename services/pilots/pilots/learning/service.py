"""Reflection questions (data per gate) and a pilot's answers; private answers stay in the team."""

from __future__ import annotations

from sqlmodel import col, select

from hanke_libs.audit import diff
from hanke_libs.etag import IfMatch
from hanke_libs.links import public_url
from hanke_libs.problems import Conflict, NotFound, PreconditionRequired
from pilots.gates.lifecycle import MAIN_PATH
from pilots.learning.schemas import (
    ReflectionAnswerWrite,
    ReflectionPublic,
    ReflectionQuestionCreate,
    ReflectionQuestionPublic,
    ReflectionQuestionUpdate,
)
from pilots.models import ReflectionAnswer, ReflectionQuestion, audit
from pilots.models.types import utcnow
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.scope import Scope
from pilots.types import Stage

GATE_ORDER = {str(s): i for i, s in enumerate([*MAIN_PATH, Stage.discontinued])}


def question_public(scope: Scope, q: ReflectionQuestion) -> ReflectionQuestionPublic:
    return ReflectionQuestionPublic(
        id=q.id,
        code=q.code,
        gate=Stage(q.gate),
        text_fi=q.text_fi,
        text_en=q.text_en,
        private=q.private,
        required=q.required,
        sort_order=q.sort_order,
        active=q.active,
        href=public_url(scope.settings, f"/reflection-questions/{q.id}"),
    )


def _sorted(rows: list[ReflectionQuestion]) -> list[ReflectionQuestion]:
    return sorted(rows, key=lambda q: (GATE_ORDER.get(q.gate, 99), q.sort_order, q.code))


async def list_questions(
    scope: Scope, *, gate: Stage | None, include_retired: bool, offset: int, limit: int
) -> tuple[list[ReflectionQuestionPublic], int]:
    scope.require_read_role()
    stmt = select(ReflectionQuestion)
    if gate is not None:
        stmt = stmt.where(ReflectionQuestion.gate == str(gate))
    if not include_retired:
        stmt = stmt.where(col(ReflectionQuestion.active).is_(True))
    rows = _sorted(list((await scope.session.exec(stmt)).all()))
    return [question_public(scope, q) for q in rows[offset : offset + limit]], len(rows)


async def _question(scope: Scope, question_id: str) -> ReflectionQuestion:
    q = await scope.session.get(ReflectionQuestion, question_id)
    if q is None:
        raise NotFound(f"No reflection question {question_id!r}.", slug="question-not-found")
    return q


async def read_question(scope: Scope, question_id: str) -> ReflectionQuestionPublic:
    scope.require_read_role()
    return question_public(scope, await _question(scope, question_id))


async def create_question(scope: Scope, data: ReflectionQuestionCreate) -> ReflectionQuestionPublic:
    scope.require_manager("Setting the reflection questions")
    if data.gate == Stage.idea:
        raise Conflict(
            "No gate leads into idea: questions belong to planned ... established.", slug="invalid-gate"
        )
    exists = (
        await scope.session.exec(select(ReflectionQuestion.id).where(ReflectionQuestion.code == data.code))
    ).first()
    if exists:
        raise Conflict(
            f"A reflection question with code {data.code!r} exists already.", slug="duplicate-question"
        )
    q = ReflectionQuestion(**{**data.model_dump(), "gate": str(data.gate)})
    scope.session.add(q)
    await scope.session.flush()
    await audit.record(
        scope.session,
        actor=scope.principal,
        action="create",
        entity_type="reflection_question",
        entity_id=q.id,
        changes=data.model_dump(),
    )
    return question_public(scope, q)


async def update_question(
    scope: Scope, question_id: str, data: ReflectionQuestionUpdate
) -> ReflectionQuestionPublic:
    scope.require_manager("Setting the reflection questions")
    q = await _question(scope, question_id)
    before = q.model_dump()
    for key in data.model_fields_set:
        value = getattr(data, key)
        if value is not None:
            setattr(q, key, value)
    changes = diff(before, q.model_dump())
    if changes:
        scope.session.add(q)
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="update",
            entity_type="reflection_question",
            entity_id=q.id,
            changes=changes,
        )
    return question_public(scope, q)


def reflection_public(
    scope: Scope, pilot: ScopedPilot, q: ReflectionQuestion, a: ReflectionAnswer | None
) -> ReflectionPublic:
    hidden = q.private and not pilot.sees_private
    shown = a if a is not None and not hidden else None
    return ReflectionPublic(
        question_id=q.id,
        code=q.code,
        gate=Stage(q.gate),
        text_fi=q.text_fi,
        text_en=q.text_en,
        private=q.private,
        required=q.required,
        answered=a is not None,
        answer_hidden=hidden and a is not None,
        answer=shown.answer if shown else None,
        answered_by=shown.answered_by if shown else None,
        answered_at=shown.answered_at if shown else None,
        version=a.version if a is not None and not hidden else None,
        href=public_url(scope.settings, f"/pilots/{pilot.id}/reflections/{q.id}"),
    )


async def reflections(
    scope: Scope, pilot: ScopedPilot, *, gate: Stage | None = None
) -> list[ReflectionPublic]:
    """Every active question (and every answered one) with this pilot's answer, in gate order."""
    answers = {
        a.question_id: a
        for a in (
            await scope.session.exec(select(ReflectionAnswer).where(ReflectionAnswer.pilot_id == pilot.id))
        ).all()
    }
    stmt = select(ReflectionQuestion).where(
        (col(ReflectionQuestion.active).is_(True)) | (col(ReflectionQuestion.id).in_(list(answers)))
    )
    if gate is not None:
        stmt = stmt.where(ReflectionQuestion.gate == str(gate))
    questions = _sorted(list((await scope.session.exec(stmt)).all()))
    return [reflection_public(scope, pilot, q, answers.get(q.id)) for q in questions]


async def reflection(
    scope: Scope, pilot: ScopedPilot, question_id: str
) -> tuple[ReflectionPublic, int | None]:
    q = await _question(scope, question_id)
    a = (
        await scope.session.exec(
            select(ReflectionAnswer).where(
                ReflectionAnswer.pilot_id == pilot.id, ReflectionAnswer.question_id == q.id
            )
        )
    ).first()
    public = reflection_public(scope, pilot, q, a)
    return public, public.version


async def answer(
    scope: Scope, pilot_id: str, question_id: str, data: ReflectionAnswerWrite, if_match: IfMatch | None
) -> tuple[ReflectionPublic, bool]:
    """Write the team's answer: creates it (True) or, with If-Match, replaces it (False)."""
    pilot = await repository.get_for_team(scope, pilot_id, what="answer its reflection questions")
    q = await _question(scope, question_id)
    if not q.active:
        raise Conflict(f"Question {q.code} is retired; it takes no new answers.", slug="question-retired")
    existing = (
        await scope.session.exec(
            select(ReflectionAnswer)
            .where(ReflectionAnswer.pilot_id == pilot.id, ReflectionAnswer.question_id == q.id)
            .with_for_update()
        )
    ).first()
    logged = "<private answer>" if q.private else data.answer
    if existing is None:
        if if_match is not None and not if_match.any:
            if_match.check(0, label=f"The answer to {q.code}")
        row = ReflectionAnswer(
            pilot_id=pilot.id, question_id=q.id, answer=data.answer, answered_by=scope.principal.actor
        )
        scope.session.add(row)
        await scope.session.flush()
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="create",
            entity_type="reflection_answer",
            entity_id=row.id,
            changes={"pilot_id": pilot.id, "question": q.code, "private": q.private, "answer": logged},
        )
        return reflection_public(scope, pilot, q, row), True
    if if_match is None:
        raise PreconditionRequired(
            f"Pilot {pilot.id} has an answer to {q.code} already: GET it and send its ETag as If-Match to replace it.",
            slug="if-match-required",
        )
    if_match.check(existing.version, label=f"The answer to {q.code}")
    if existing.answer != data.answer:
        existing.answer = data.answer
        existing.answered_by = scope.principal.actor
        existing.answered_at = utcnow()
        existing.version += 1
        scope.session.add(existing)
        await audit.record(
            scope.session,
            actor=scope.principal,
            action="update",
            entity_type="reflection_answer",
            entity_id=existing.id,
            changes={"pilot_id": pilot.id, "question": q.code, "private": q.private, "answer": logged},
        )
        await scope.session.flush()
    return reflection_public(scope, pilot, q, existing), False
