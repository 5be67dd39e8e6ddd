"""Assessment frameworks, rounds (closing, reopening), answers and aggregates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep
from hanke_libs.inputs import Id
from hanke_libs.links import public_url
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.problems import Conflict
from participants.access import AggregateReader, Manager, NotHrSync
from participants.assessments import aggregates, answers, rounds
from participants.assessments.frameworks import Frameworks
from participants.assessments.rounds import Rounds
from participants.assessments.schemas import (
    AnswersCreate,
    AnswersSaved,
    ChangeRow,
    FrameworkPublic,
    RoundAggregates,
    RoundClose,
    RoundCreate,
    RoundPublic,
    RoundReopen,
)
from participants.disclosure import MIN_GROUP
from participants.schemas import ProjectCode

router = APIRouter(tags=["assessments"])
RoundId = Annotated[Id, Path(description="The round's id")]
By = Annotated[Literal["org_unit", "sector", "all"], Query(description="Which groups")]


@router.get(
    "/frameworks",
    response_model=Page[FrameworkPublic],
    summary="List assessment frameworks",
    description="Competence meters and maturity models as data, with their areas, items and scale.",
)
async def list_frameworks(session: SessionDep, page: PageDep, _: NotHrSync) -> Page[dict[str, Any]]:
    frameworks = Frameworks(session)
    rows, total = await frameworks.page(page)
    return offset_page([await frameworks.public(f) for f in rows], page, total)


@router.get(
    "/frameworks/{code}",
    response_model=FrameworkPublic,
    summary="Read a framework",
    description="One framework with its areas, items and scale.",
)
async def get_framework(code: str, session: SessionDep, _: NotHrSync) -> dict[str, Any]:
    frameworks = Frameworks(session)
    return await frameworks.public(await frameworks.get(code))


@router.get(
    "/rounds",
    response_model=Page[RoundPublic],
    summary="List a project's assessment rounds",
    description="The rounds of every framework of a project with their dates and state (upcoming, open, "
    "reopened, closed).",
)
async def list_rounds(
    session: SessionDep, page: PageDep, principal: NotHrSync, project_code: ProjectCode
) -> Page[RoundPublic]:
    codes = await Frameworks(session).codes()
    rows, total = await Rounds(session, principal).page(project_code, page)
    return offset_page([rounds.public(r, codes[r.framework_id]) for r in rows], page, total)


@router.post(
    "/rounds",
    status_code=201,
    response_model=RoundPublic,
    summary="Create an assessment round",
    description="A round of a framework in a project (admin, project_manager): baseline, interim or final, "
    "open from `opens_on` through `closes_on`.",
)
async def create_round(
    data: RoundCreate, request: Request, response: Response, session: SessionDep, principal: Manager
) -> RoundPublic:
    framework = await Frameworks(session).get(data.framework_code)
    round_ = await Rounds(session, principal).create(data, framework)
    response.headers["Location"] = public_url(request.app.state.settings, f"/rounds/{round_.id}")
    return rounds.public(round_, framework.code)


@router.get(
    "/rounds/{round_id}",
    response_model=RoundPublic,
    summary="Read an assessment round",
    description="One round with its dates and state.",
)
async def get_round(round_id: RoundId, session: SessionDep, principal: NotHrSync) -> RoundPublic:
    round_, framework = await Rounds(session, principal).get(round_id)
    return rounds.public(round_, framework.code)


@router.post(
    "/rounds/{round_id}/reopen",
    response_model=RoundPublic,
    summary="Reopen a closed round",
    description="Take answers again until `until` (admin, project_manager), with a reason; recorded in the "
    "audit trail. The round's figures are not published while it is reopened.",
)
async def reopen_round(
    round_id: RoundId, data: RoundReopen, session: SessionDep, principal: Manager
) -> RoundPublic:
    round_ = await Rounds(session, principal).reopen(round_id, until=data.until, reason=data.reason)
    round_, framework = await Rounds(session, principal).get(round_id)
    return rounds.public(round_, framework.code)


@router.post(
    "/rounds/{round_id}/close",
    response_model=RoundPublic,
    summary="Close a round now",
    description="Stop taking answers now (admin, project_manager); recorded in the audit trail. Its figures "
    "are published from then on.",
)
async def close_round(
    round_id: RoundId, data: RoundClose, session: SessionDep, principal: Manager
) -> RoundPublic:
    await Rounds(session, principal).close(round_id, reason=data.reason)
    round_, framework = await Rounds(session, principal).get(round_id)
    return rounds.public(round_, framework.code)


@router.post(
    "/rounds/{round_id}/answers",
    response_model=AnswersSaved,
    summary="Answer a round",
    description="A champion answers its own competence; admin or project_manager records answers for a "
    "person or (maturity) an org unit. Values outside the scale or unknown items are listed in a 422; a "
    "closed round refuses answers with 409 `round-closed`.",
)
async def answer_round(
    round_id: RoundId, data: AnswersCreate, session: SessionDep, principal: CurrentPrincipal
) -> AnswersSaved:
    saved = await answers.answer_round(session=session, principal=principal, round_id=round_id, data=data)
    return AnswersSaved(round_id=round_id, saved=saved)


@router.get(
    "/rounds/{round_id}/aggregates",
    response_model=RoundAggregates,
    summary="Aggregates of a closed round",
    description="A closed round's figures in total, per sector or per org unit, under the small-group rule: "
    "no group under 10 respondents, and no shown figures that combine to one (secondary suppression). "
    "An open round answers 409 `round-open`.",
)
async def round_aggregates(
    round_id: RoundId, session: SessionDep, principal: AggregateReader, by: By = "sector"
) -> RoundAggregates:
    round_, framework = await Rounds(session, principal).get(round_id)
    if not rounds.is_closed(round_):
        raise Conflict(
            f"Round {round_.name} is {rounds.state(round_).value}: its figures are published once it closes.",
            slug="round-open",
        )
    min_group = MIN_GROUP if framework.subject == "person" else 1
    assert round_.id is not None
    return RoundAggregates(
        round_id=round_.id,
        round=round_.name,
        framework_code=framework.code,
        by=by,
        min_group_size=min_group,
        groups=await aggregates.aggregate(session, round_, by, min_group=min_group),
    )


@router.get(
    "/frameworks/{code}/change",
    response_model=Page[ChangeRow],
    summary="Change from the baseline round",
    description="Change of the mean from the baseline round to the latest closed round with answers, per "
    "group; a group suppressed in either round is suppressed here.",
)
async def framework_change(
    code: str,
    session: SessionDep,
    page: PageDep,
    principal: AggregateReader,
    project_code: ProjectCode,
    by: By = "sector",
) -> Page[dict[str, Any]]:
    framework = await Frameworks(session).get(code)
    published = await Rounds(session, principal).published(framework, project_code)
    rows = await aggregates.change(session, published, by)
    return offset_page(rows[page.offset : page.offset + page.limit + 1], page, len(rows))
