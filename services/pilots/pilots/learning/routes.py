"""Reflection questions per gate, a pilot's answers, and what was learned for the interim evaluation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from hanke_libs.etag import OptionalIfMatchDep, set_etag, stale_as_412
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.personal import redact_for
from hanke_libs.tabular import FILE_RESPONSES, ExportFormat, table_response
from pilots.exports import tables
from pilots.learning import service
from pilots.learning.schemas import (
    ReflectionAnswerWrite,
    ReflectionPublic,
    ReflectionQuestionCreate,
    ReflectionQuestionPublic,
    ReflectionQuestionUpdate,
)
from pilots.pilots import repository
from pilots.scope import ScopeDep
from pilots.types import ChildIdPath, CodePath, PilotIdPath, Stage

router = APIRouter(tags=["learning"])
GateQuery = Annotated[Stage | None, Query(description="Only this gate's questions")]


@router.get(
    "/reflection-questions",
    response_model=Page[ReflectionQuestionPublic],
    summary="List the reflection questions",
)
async def list_questions(
    scope: ScopeDep,
    page: PageDep,
    gate: GateQuery = None,
    include_retired: Annotated[bool, Query(description="Also questions retired with active: false")] = False,
) -> Page[ReflectionQuestionPublic]:
    """The questions each gate asks the pilot team (Finnish and English), in gate order; which are
    private to the team and which the gate requires."""
    items, total = await service.list_questions(
        scope, gate=gate, include_retired=include_retired, offset=page.offset, limit=page.limit + 1
    )
    return offset_page(items, page, total)


@router.post(
    "/reflection-questions",
    status_code=201,
    response_model=ReflectionQuestionPublic,
    summary="Add a reflection question",
)
async def create_question(
    body: ReflectionQuestionCreate, scope: ScopeDep, response: Response
) -> ReflectionQuestionPublic:
    """A new question of a gate (project manager, admin). ``Location`` names it."""
    question = await service.create_question(scope, body)
    response.headers["Location"] = question.href
    return question


@router.get(
    "/reflection-questions/{question_id}",
    response_model=ReflectionQuestionPublic,
    summary="Read a reflection question",
)
async def read_question(question_id: ChildIdPath, scope: ScopeDep) -> ReflectionQuestionPublic:
    """One question with its gate, texts and flags."""
    return await service.read_question(scope, question_id)


@router.patch(
    "/reflection-questions/{question_id}",
    response_model=ReflectionQuestionPublic,
    summary="Change a reflection question",
)
async def update_question(
    question_id: ChildIdPath, body: ReflectionQuestionUpdate, scope: ScopeDep
) -> ReflectionQuestionPublic:
    """Reword, reorder, mark private or required, or retire (active: false) a question; answers given
    to it are kept (project manager, admin)."""
    return await service.update_question(scope, question_id, body)


@router.get(
    "/pilots/{pilot_id}/reflections",
    response_model=Page[ReflectionPublic],
    summary="List a pilot's reflections",
)
async def list_reflections(
    pilot_id: PilotIdPath, scope: ScopeDep, page: PageDep, gate: GateQuery = None
) -> Page[ReflectionPublic]:
    """Each gate's questions with this pilot's answers. Answers to private questions are shown only to
    the pilot team (its owner, its champions, the project manager, admins)."""
    pilot = await repository.get(scope, pilot_id)
    items = [redact_for(scope.principal, r) for r in await service.reflections(scope, pilot, gate=gate)]
    window = items[page.offset : page.offset + page.limit + 1]
    return offset_page(window, page, len(items))


@router.get(
    "/pilots/{pilot_id}/reflections/{question_id}",
    response_model=ReflectionPublic,
    summary="Read a pilot's answer",
)
async def read_reflection(
    pilot_id: PilotIdPath, question_id: ChildIdPath, scope: ScopeDep, response: Response
) -> ReflectionPublic:
    """The question and this pilot's answer; ``ETag`` when answered (send it to replace the answer)."""
    pilot = await repository.get(scope, pilot_id)
    public, version = await service.reflection(scope, pilot, question_id)
    if version is not None:
        set_etag(response, version)
    return redact_for(scope.principal, public)


@router.put(
    "/pilots/{pilot_id}/reflections/{question_id}",
    response_model=ReflectionPublic,
    status_code=200,
    responses={201: {"model": ReflectionPublic, "description": "The first answer was stored"}},
    summary="Answer a reflection question",
)
async def answer_question(
    pilot_id: PilotIdPath,
    question_id: ChildIdPath,
    body: ReflectionAnswerWrite,
    scope: ScopeDep,
    response: Response,
    if_match: OptionalIfMatchDep,
) -> ReflectionPublic:
    """The pilot team writes its answer: the first answer is created (201, ``Location``); replacing it
    needs If-Match with the answer's ETag (428 without, 412 stale)."""
    with stale_as_412("The answer"):
        public, created = await service.answer(scope, pilot_id, question_id, body, if_match)
    if public.version is not None:
        set_etag(response, public.version)
    if created:
        response.status_code = 201
        response.headers["Location"] = public.href
    return public


@router.get(
    "/projects/{code}/learning/export",
    response_class=Response,
    responses=FILE_RESPONSES,
    summary="Export what the pilots learned (CSV or XLSX)",
)
async def export_learning(code: CodePath, scope: ScopeDep, format: ExportFormat = "csv") -> Response:
    """For the interim evaluation: each pilot the caller may read with its stage, success rating, gate
    decisions (outcome, date, reference, reasoning, evidence) and reflection answers (private ones only
    for the pilot team; steering gets no person-written text or person ids). XLSX has the sheets
    ``decisions`` and ``reflections``; CSV is both in one table."""
    project = await repository.get_project(scope, code)
    parts = await tables.learning_tables(scope, project)
    one = tables.sheet("learning", tables.learning_csv(scope, parts))
    return await table_response(format, tables.sheets(parts), filename=f"learning-{code}", csv_sheet=one)
