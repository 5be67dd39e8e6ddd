"""Budget versions, their decisions, the baseline and the governance rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from budget.access import manage_plan, read_plan
from budget.links import LinksDep
from budget.projects.routes import Code
from budget.versions import baseline, present, service
from budget.versions.schemas import (
    BaselinePublic,
    BudgetVersionCreate,
    BudgetVersionPublic,
    DecisionCreate,
    DecisionPublic,
    GovernanceRulesIn,
    GovernanceRulesPublic,
    InForcePublic,
)
from hanke_libs.auth import Principal
from hanke_libs.db import SessionDep
from hanke_libs.inputs import Id
from hanke_libs.paging import Page, PageDep, offset_page

router = APIRouter(tags=["versions"])
Reader = Annotated[Principal, Depends(read_plan)]
Manager = Annotated[Principal, Depends(manage_plan)]
Number = Annotated[Id, Path(description="The version's number within its project")]


@router.post(
    "/projects/{code}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=BudgetVersionPublic,
    summary="Append a budget version, reviewed against the version in force",
    description="Admin or project manager. The version (lines and, optionally, changes to the funding "
    "plan) is compared with the version in force by the project's governance rules. Needing no decision "
    "it is `approved` and enters into force at once (unless `make_current` is false); otherwise it is "
    "`pending_decision`, with `review` saying which rules fired and by how much and `needs_decision_by` "
    "whose decision is missing.",
)
async def create_version(
    code: Code,
    data: BudgetVersionCreate,
    session: SessionDep,
    actor: Manager,
    response: Response,
    links: LinksDep,
) -> BudgetVersionPublic:
    version = await service.create_version(
        session=session, principal=actor, code=code, data=data, actor=actor
    )
    response.headers["Location"] = links.version(code, version.number)
    return await baseline.one(session=session, principal=actor, code=code, number=version.number, links=links)


@router.get(
    "/projects/{code}/versions",
    response_model=Page[BudgetVersionPublic],
    summary="List budget versions",
    description="Every version of the project by number, with its status, review and decisions "
    "(finance: its own implementer's lines; steering: without personal data).",
)
async def list_versions(
    code: Code, session: SessionDep, caller: Reader, page: PageDep, links: LinksDep
) -> Page[BudgetVersionPublic]:
    items = await baseline.page(
        session=session, principal=caller, code=code, links=links, offset=page.offset, limit=page.limit + 1
    )
    return offset_page(items, page)


@router.get(
    "/projects/{code}/versions/compare",
    summary="Compare two budget versions",
    description="Line by line (amounts of b minus a, within the caller's scope) and the governance rules "
    "applied to b against a: which would fire and by how much.",
)
async def compare_versions(
    code: Code,
    session: SessionDep,
    caller: Reader,
    a: Annotated[Id, Query(description="The earlier version")],
    b: Annotated[Id, Query(description="The later version")],
) -> dict[str, Any]:
    return await present.compare(session=session, principal=caller, code=code, a=a, b=b)


@router.get(
    "/projects/{code}/versions/{number}",
    response_model=BudgetVersionPublic,
    summary="Read one budget version",
    description="The version with its lines, plan, review against the baseline it was made on, and decisions.",
)
async def get_version(
    code: Code, number: Number, session: SessionDep, caller: Reader, links: LinksDep
) -> BudgetVersionPublic:
    return await baseline.one(session=session, principal=caller, code=code, number=number, links=links)


@router.post(
    "/projects/{code}/versions/{number}/make-current",
    response_model=BudgetVersionPublic,
    summary="Put an approved budget version into force",
    description="Admin or project manager. Allowed for a version that needs no decision or whose "
    "decisions are recorded (409 `version-needs-decision` naming the missing bodies and the rules "
    "otherwise; 409 `version-rejected`). The baseline history records the change.",
)
async def make_current(
    code: Code, number: Number, session: SessionDep, actor: Manager, links: LinksDep
) -> BudgetVersionPublic:
    project, version = await service.make_current(session=session, principal=actor, code=code, number=number)
    return await present.public(
        session=session, principal=actor, project=project, version=version, links=links
    )


@router.post(
    "/projects/{code}/versions/{number}/decisions",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionPublic,
    summary="Record a decision on a budget version (city board or funder)",
    description="Admin or project manager records the decision (body, date, reference such as "
    '"Kh § 81/2019", optional document link, outcome). When every decision the version needs is '
    "recorded it becomes `approved` and, unless `make_current` is false, enters into force from the "
    "decision's date. A rejection makes it `rejected`.",
)
async def record_decision(
    code: Code,
    number: Number,
    data: DecisionCreate,
    session: SessionDep,
    actor: Manager,
    response: Response,
    links: LinksDep,
) -> DecisionPublic:
    project, version, decision = await service.record_decision(
        session=session, principal=actor, code=code, number=number, data=data, actor=actor
    )
    body = present.decision_public(project, version, decision, links)
    response.headers["Location"] = body.href
    return body


@router.get(
    "/projects/{code}/versions/{number}/decisions",
    response_model=Page[DecisionPublic],
    summary="List the decisions on a budget version",
    description="Decisions by date (steering: without who recorded them).",
)
async def list_decisions(
    code: Code, number: Number, session: SessionDep, caller: Reader, page: PageDep, links: LinksDep
) -> Page[DecisionPublic]:
    items = await baseline.decisions_page(
        session=session,
        principal=caller,
        code=code,
        number=number,
        links=links,
        offset=page.offset,
        limit=page.limit + 1,
    )
    return offset_page(items, page)


@router.get(
    "/projects/{code}/versions/{number}/decisions/{decision_id}",
    response_model=DecisionPublic,
    summary="Read one decision on a budget version",
    description="The decision's body, date, reference, document link and outcome.",
)
async def get_decision(
    code: Code,
    number: Number,
    decision_id: Annotated[Id, Path(description="The decision's id")],
    session: SessionDep,
    caller: Reader,
    links: LinksDep,
) -> DecisionPublic:
    return await baseline.decision_one(
        session=session, principal=caller, code=code, number=number, decision_id=decision_id, links=links
    )


@router.get(
    "/projects/{code}/baseline",
    response_model=BaselinePublic,
    summary="The decided baseline: the budget version in force",
    description="The version in force now, since when, and the decision it rests on; `history` links to "
    "every change of the baseline.",
)
async def get_baseline(code: Code, session: SessionDep, caller: Reader, links: LinksDep) -> BaselinePublic:
    return await baseline.baseline(session=session, principal=caller, code=code, links=links)


@router.get(
    "/projects/{code}/baseline/history",
    response_model=Page[InForcePublic],
    summary="The baseline's history",
    description="Each change of the version in force, oldest first: version, effective date, decision.",
)
async def baseline_history(
    code: Code, session: SessionDep, caller: Reader, page: PageDep, links: LinksDep
) -> Page[InForcePublic]:
    items = await baseline.history(
        session=session, principal=caller, code=code, links=links, offset=page.offset, limit=page.limit + 1
    )
    return offset_page(items, page)


@router.get(
    "/projects/{code}/governance/rules",
    response_model=GovernanceRulesPublic,
    summary="The rules that make a budget change substantial",
    description="The project's rules with their thresholds and whose decision each needs (defaults from "
    "the funder's practice).",
)
async def get_rules(code: Code, session: SessionDep, caller: Reader) -> GovernanceRulesPublic:
    return await baseline.get_rules(session=session, principal=caller, code=code)


@router.put(
    "/projects/{code}/governance/rules",
    response_model=GovernanceRulesPublic,
    summary="Change the governance rules of a project",
    description="Admin or project manager. Rules given replace the project's; codes left out keep their "
    "defaults. Audited.",
)
async def put_rules(
    code: Code, data: GovernanceRulesIn, session: SessionDep, actor: Manager
) -> GovernanceRulesPublic:
    return await baseline.replace_rules(session=session, principal=actor, code=code, data=data)
