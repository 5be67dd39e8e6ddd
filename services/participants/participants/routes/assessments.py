"""Assessment frameworks, rounds, answers and aggregates (osaamispuntari, kypsyystasomalli)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import col, select

from hanke_libs.auth import CurrentPrincipal, Principal, Role, require_roles
from hanke_libs.db import SessionDep
from hanke_libs.problems import Conflict, Forbidden, NotFound, UnprocessableContent
from participants import assessments as domain
from participants.db import audit
from participants.models import AssessmentRound, Framework, FrameworkArea, FrameworkItem, Person
from participants.routes.people import is_caller
from participants.schemas import (
    AnswersCreate,
    AnswersSaved,
    ChangeRow,
    FrameworkPublic,
    ProjectCode,
    RoundAggregates,
    RoundCreate,
    RoundPublic,
)

router = APIRouter(tags=["assessments"])
RoundId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Manager = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]
AggregateReader = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.project_manager, Role.steering, Role.pilot_owner, Role.auditor)),
]
AnyStaff = Annotated[
    Principal,
    Depends(
        require_roles(
            Role.admin,
            Role.project_manager,
            Role.steering,
            Role.pilot_owner,
            Role.auditor,
            Role.champion,
            Role.finance,
        )
    ),
]


async def framework_public(session: Any, framework: Framework) -> dict[str, Any]:
    areas = (
        await session.exec(
            select(FrameworkArea)
            .where(FrameworkArea.framework_id == framework.id)
            .order_by(col(FrameworkArea.position))
        )
    ).all()
    items = (
        await session.exec(
            select(FrameworkItem)
            .where(FrameworkItem.framework_id == framework.id)
            .order_by(col(FrameworkItem.position))
        )
    ).all()
    return {
        **framework.model_dump(exclude={"id"}),
        "areas": [
            {
                "code": a.code,
                "name": a.name,
                "items": [{"code": i.code, "name": i.name} for i in items if i.area_id == a.id],
            }
            for a in areas
        ],
    }


def round_public(round_: AssessmentRound, framework_code: str) -> RoundPublic:
    assert round_.id is not None
    return RoundPublic(
        id=round_.id, framework_code=framework_code, **round_.model_dump(exclude={"id", "framework_id"})
    )


@router.get(
    "/frameworks", response_model=list[FrameworkPublic], summary="Assessment frameworks with areas and items"
)
async def list_frameworks(session: SessionDep, _: AnyStaff) -> list[dict[str, Any]]:
    frameworks = (await session.exec(select(Framework).order_by(col(Framework.code)))).all()
    return [await framework_public(session, f) for f in frameworks]


@router.get("/frameworks/{code}", response_model=FrameworkPublic, summary="One framework")
async def get_framework(code: str, session: SessionDep, _: AnyStaff) -> dict[str, Any]:
    return await framework_public(session, await domain.get_framework(session, code))


@router.get("/rounds", response_model=list[RoundPublic], summary="Assessment rounds of a project")
async def list_rounds(session: SessionDep, _: AnyStaff, project_code: ProjectCode) -> list[RoundPublic]:
    frameworks = {f.id: f.code for f in (await session.exec(select(Framework))).all()}
    stmt = (
        select(AssessmentRound)
        .where(AssessmentRound.project_code == project_code)
        .order_by(col(AssessmentRound.framework_id), col(AssessmentRound.opens_on), col(AssessmentRound.id))
    )
    return [round_public(r, frameworks[r.framework_id]) for r in (await session.exec(stmt)).all()]


@router.post("/rounds", status_code=201, response_model=RoundPublic, summary="Create an assessment round")
async def create_round(data: RoundCreate, session: SessionDep, principal: Manager) -> RoundPublic:
    framework = await domain.get_framework(session, data.framework_code)
    if data.closes_on and data.closes_on < data.opens_on:
        raise UnprocessableContent("The round closes before it opens.", slug="invalid-dates")
    duplicate = await session.exec(
        select(AssessmentRound).where(
            AssessmentRound.framework_id == framework.id,
            AssessmentRound.project_code == data.project_code,
            AssessmentRound.name == data.name,
        )
    )
    if duplicate.first():
        raise Conflict("A round with this name exists.", slug="round-exists")
    assert framework.id is not None
    round_ = AssessmentRound(framework_id=framework.id, **data.model_dump(exclude={"framework_code"}))
    session.add(round_)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="assessment_round",
        entity_id=round_.id,
        changes=data.model_dump(mode="json"),
    )
    return round_public(round_, framework.code)


async def _round(session: Any, round_id: int) -> tuple[AssessmentRound, Framework]:
    round_ = await session.get(AssessmentRound, round_id)
    if round_ is None:
        raise NotFound(f"No assessment round {round_id}.")
    return round_, await session.get(Framework, round_.framework_id)


@router.post(
    "/rounds/{round_id}/answers",
    response_model=AnswersSaved,
    summary="Answer a round: a champion its own competence, project_manager/admin for a person or an org unit",
)
async def answer_round(
    round_id: RoundId, data: AnswersCreate, session: SessionDep, principal: CurrentPrincipal
) -> AnswersSaved:
    round_, framework = await _round(session, round_id)
    manager = principal.has(Role.admin, Role.project_manager)
    person_id, org_unit_id = data.person_id, data.org_unit_id
    if framework.subject == "person":
        if person_id is None:
            me = (
                await session.exec(
                    select(Person).where(
                        (col(Person.id) == principal.person_id)
                        | (col(Person.external_id) == principal.subject)
                        | (col(Person.user_name) == principal.subject)
                    )
                )
            ).first()
            if me is None or not is_caller(me, principal):
                raise Forbidden("The caller is not a known person; give person_id (admin, project_manager).")
            person_id = me.id
        if not manager:
            me = await session.get(Person, person_id)
            if not principal.has(Role.champion) or me is None or not is_caller(me, principal):
                raise Forbidden("A champion answers only for itself.")
        org_unit_id = None
    else:
        if not manager:
            raise Forbidden("Maturity assessments are recorded by admin or project_manager.")
        if org_unit_id is None:
            raise UnprocessableContent("A maturity answer needs org_unit_id.", slug="org-unit-required")
        person_id = None
    saved = await domain.save_answers(
        session=session,
        actor=principal,
        round_=round_,
        framework=framework,
        answers=data.answers,
        person_id=person_id,
        org_unit_id=org_unit_id,
    )
    return AnswersSaved(round_id=round_id, saved=saved)


@router.get(
    "/rounds/{round_id}/aggregates",
    response_model=RoundAggregates,
    summary="Aggregates of a round per org unit or sector (groups under 10 folded or suppressed)",
)
async def round_aggregates(
    round_id: RoundId,
    session: SessionDep,
    _: AggregateReader,
    by: Annotated[Literal["org_unit", "sector", "all"], Query()] = "sector",
) -> RoundAggregates:
    round_, framework = await _round(session, round_id)
    groups = await domain.aggregate(session, round_, by)
    assert round_.id is not None
    return RoundAggregates(
        round_id=round_.id,
        round=round_.name,
        framework_code=framework.code,
        by=by,
        min_group_size=domain.MIN_GROUP,
        groups=groups,
    )


@router.get(
    "/frameworks/{code}/change",
    response_model=list[ChangeRow],
    summary="Change of the mean from baseline to the latest answered round",
)
async def framework_change(
    code: str,
    session: SessionDep,
    _: AggregateReader,
    project_code: ProjectCode,
    by: Annotated[Literal["org_unit", "sector", "all"], Query()] = "sector",
) -> list[dict[str, Any]]:
    framework = await domain.get_framework(session, code)
    return await domain.change(session, framework, project_code, by)
