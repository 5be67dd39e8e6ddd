"""The lifecycle of a pilot: moves, next-gate hints, history, decisions; the project's portfolio."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hanke_libs.etag import OptionalIfMatchDep, set_etag, stale_as_412
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.personal import redact_for
from pilots.gates import decisions, facts, moves
from pilots.gates.portfolio import portfolio
from pilots.gates.schemas import (
    EvaluationDecisionCreate,
    GateDecisionPublic,
    MoveRequest,
    NextGateStatus,
    Portfolio,
    StageChangePublic,
)
from pilots.pilots import bodies, repository
from pilots.pilots.routes import AsOf
from pilots.pilots.schemas import PilotPublic
from pilots.scope import ScopeDep
from pilots.types import ChildIdPath, CodePath, PilotIdPath

router = APIRouter(tags=["pilots"])


@router.post("/pilots/{pilot_id}/moves", response_model=PilotPublic, summary="Move a pilot to another stage")
async def move_pilot(
    pilot_id: PilotIdPath,
    body: MoveRequest,
    scope: ScopeDep,
    response: Response,
    if_match: OptionalIfMatchDep,
) -> PilotPublic:
    """Checked against the gates; refused with 409 naming what is ``missing`` and the ``allowed_moves``.
    Approval (entering approved or later), withdrawing an approved pilot and establishing are the
    project's decisions: project manager or admin only, approval and establishing with the steering
    group's ``decision`` (reference, decided_on), recorded with who decided. From evaluated the way on
    is the evaluation decision (``POST /pilots/{id}/decisions``). If-Match optional (checked when sent)."""
    with stale_as_412(f"Pilot {pilot_id}"):
        found = await moves.move(scope, pilot_id, body, if_match)
    set_etag(response, found.row.version)
    return redact_for(scope.principal, await bodies.to_public(scope, found))


@router.get(
    "/pilots/{pilot_id}/next-gate", response_model=NextGateStatus, summary="What the next stage needs"
)
async def read_next_gate(pilot_id: PilotIdPath, scope: ScopeDep) -> NextGateStatus:
    """Every requirement of the next stage on the main path, met or not, the moves allowed now and
    whether the next move is a decision of the project manager."""
    return await moves.next_gate(scope, pilot_id)


@router.get(
    "/pilots/{pilot_id}/history",
    response_model=Page[StageChangePublic],
    summary="List a pilot's stage history",
)
async def read_history(pilot_id: PilotIdPath, scope: ScopeDep, page: PageDep) -> Page[StageChangePublic]:
    """Every move in order of the day it took effect: from, to, kind, who, when, why and the decision
    behind it (steering sees no actor or reason)."""
    found = await repository.get(scope, pilot_id)
    rows, total = await facts.history(scope, found, offset=page.offset, limit=page.limit + 1)
    items = [
        redact_for(scope.principal, StageChangePublic.model_validate(r, from_attributes=True)) for r in rows
    ]
    return offset_page(items, page, total)


@router.post(
    "/pilots/{pilot_id}/decisions",
    status_code=201,
    response_model=GateDecisionPublic,
    summary="Record the evaluation decision of a pilot",
)
async def create_decision(
    pilot_id: PilotIdPath, body: EvaluationDecisionCreate, scope: ScopeDep, response: Response
) -> GateDecisionPublic:
    """The decision past the evaluation gate (project manager or admin), with its reasoning, evidence
    (the pilot's measurements, timeline posts, documents by URL), reference and an optional success
    rating 1-10. *scale_up* keeps the pilot evaluated and proposes an establishment record;
    *adjust_and_continue* moves it back to running; *park* keeps it evaluated, not establishable;
    *stop* discontinues it. A new decision on a parked or stopped pilot replaces the earlier one."""
    decision = await decisions.evaluate(scope, pilot_id, body)
    public = decisions.to_public(scope, decision)
    response.headers["Location"] = public.href
    return public


@router.get(
    "/pilots/{pilot_id}/decisions",
    response_model=Page[GateDecisionPublic],
    summary="List a pilot's gate decisions",
)
async def list_decisions(pilot_id: PilotIdPath, scope: ScopeDep, page: PageDep) -> Page[GateDecisionPublic]:
    """Approval, withdrawal, evaluation and establishment decisions in the order they were made."""
    found = await repository.get(scope, pilot_id)
    rows, total = await decisions.list_for(scope, found, offset=page.offset, limit=page.limit + 1)
    return offset_page(
        [redact_for(scope.principal, decisions.to_public(scope, r)) for r in rows], page, total
    )


@router.get(
    "/pilots/{pilot_id}/decisions/{decision_id}",
    response_model=GateDecisionPublic,
    summary="Read a gate decision",
)
async def read_decision(
    pilot_id: PilotIdPath, decision_id: ChildIdPath, scope: ScopeDep
) -> GateDecisionPublic:
    """One decision: gate, outcome, stages, reasoning, evidence, reference, who recorded it and when."""
    found = await repository.get(scope, pilot_id)
    return redact_for(
        scope.principal, decisions.to_public(scope, await decisions.get(scope, found, decision_id))
    )


@router.get(
    "/projects/{code}/portfolio", response_model=Portfolio, summary="Read the project's portfolio of pilots"
)
async def read_portfolio(code: CodePath, scope: ScopeDep, as_of: AsOf = None) -> Portfolio:
    """Pilots by stage, how many count toward the 3-5 rule now (each multi-sector, involving customers),
    which do not and why, and the decisions across pilots. With ``as_of``: stages and decisions as they
    were on that day. A champion's ``pilots`` list only its own pilots (the counts are of all)."""
    project = await repository.get_project(scope, code)
    return redact_for(scope.principal, await portfolio(scope, project, as_of))
