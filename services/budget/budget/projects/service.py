"""Projects: create (with the funding plan and the default governance rules), change, show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import implementer_scope
from budget.categories import ensure_reference_data
from budget.db import audit
from budget.funding.plan import Cap, Implementer, Plan, Source, project_plan, store_plan
from budget.funding.rules import RULE
from budget.links import Links
from budget.models import Project
from budget.projects import repository
from budget.projects.schemas import BudgetProjectCreate, BudgetProjectPublic, BudgetProjectUpdate
from budget.schemas import BudgetInUse
from budget.versions import governance
from budget.versions import repository as versions
from hanke_libs.auth import Principal
from hanke_libs.etag import IfMatch, update_versioned
from hanke_libs.problems import Conflict, UnprocessableContent


async def create(*, session: AsyncSession, data: BudgetProjectCreate, actor: Principal | str) -> Project:
    """Create a project with its funding plan and the default governance rules (409 if the code exists)."""
    await ensure_reference_data(session)
    if await repository.exists(session=session, code=data.code):
        raise Conflict(f"A project with the code {data.code!r} exists already.", slug="project-exists")
    lead = next(i for i in data.implementers if i.role == "lead")
    project = Project(
        code=data.code,
        name=data.name,
        funder=data.funder,
        programme=data.programme,
        period_start=data.period_start,
        period_end=data.period_end,
        lead_implementer=lead.business_id,
        cost_model=data.cost_model.value,
        objectives=list(data.objectives),
        pilots_min=data.pilots_min,
        pilots_max=data.pilots_max,
    )
    session.add(project)
    await session.flush()
    plan = Plan(
        period_start=data.period_start,
        period_end=data.period_end,
        implementers=[Implementer(i.business_id, i.name, i.role.value) for i in data.implementers],
        sources=[
            Source(s.code, s.name, s.kind.value, int(s.share_percent * 100), n)
            for n, s in enumerate(data.funding_sources, start=1)
        ],
        caps=[Cap(c.implementer, c.year, c.cap, c.warn_percent) for c in data.own_funding_caps],
        objectives=list(data.objectives),
        pilots_min=data.pilots_min,
        pilots_max=data.pilots_max,
    )
    await store_plan(session=session, project=project, plan=plan)
    await governance.store_rules(session=session, project=project, rules=governance.default_rules())
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="project",
        entity_id=project.code,
        changes=data.model_dump(mode="json"),
    )
    return project


async def update(
    *, session: AsyncSession, principal: Principal, code: str, data: BudgetProjectUpdate, if_match: IfMatch
) -> Project:
    """Change name, period or cost model.

    The cost model is fixed once costs exist (409). Once a budget version is in force the period is
    part of the governed plan: it changes only by a new budget version (409 naming that route).
    """
    project = await repository.get(session=session, principal=principal, code=code, lock=True)
    label = f"Project {code}"
    if_match.check(project.version, label=label)
    changes = data.sent(mode="json")
    before = {k: getattr(project, k) for k in changes}
    if data.cost_model is not None and data.cost_model.value != project.cost_model:
        count = await repository.cost_count(session=session, project=project)
        if count:
            raise Conflict(
                f"The cost model is fixed once costs exist: project {project.code} has {count} ledger "
                f"entries booked under {project.cost_model}.",
                slug="cost-model-locked",
            )
    period = {"period_start", "period_end"} & set(changes)
    moved = {k for k in period if getattr(data, k) != getattr(project, k)}
    if moved and project.current_version_id is not None:
        raise Conflict(
            f"The period of project {code} is part of the budget version in force: change it with a new "
            f"budget version (POST /projects/{code}/versions with plan.period_start / plan.period_end), "
            "which the governance rules review.",
            slug="period-governed",
        )
    values = {k: getattr(data, k).value if k == "cost_model" else getattr(data, k) for k in changes}
    start = values.get("period_start", project.period_start)
    end = values.get("period_end", project.period_end)
    if end < start:
        raise UnprocessableContent("period_end is before period_start.", slug="invalid-period")
    # The version is checked in the UPDATE itself (hanke_libs.etag), under the project lock.
    await update_versioned(session, project, expected=if_match, values=values, label=label)
    await audit.record(
        session,
        actor=principal,
        action="update",
        entity_type="project",
        entity_id=project.code,
        changes={
            k: [str(before[k]) if isinstance(before[k], dt.date) else before[k], changes[k]] for k in changes
        },
    )
    return project


async def public(
    *, session: AsyncSession, principal: Principal, project: Project, links: Links
) -> BudgetProjectPublic:
    """The project as ``principal`` may see it (finance: its own implementer's caps)."""
    version, row = await versions.in_force_on(session=session, project=project, on=None)
    decision = await versions.resting_on(session=session, version=version, row=row)
    plan = await project_plan(session=session, project=project)
    in_use = BudgetInUse(
        number=version.number if version else None,
        kind=version.kind if version else None,
        effective_from=row.effective_from.isoformat() if row else None,
        decision=decision.reference if decision else None,
    )
    values = {k: getattr(project, k) for k in PUBLIC_COLUMNS}
    return to_public(values, in_use, plan, principal, links)


PUBLIC_COLUMNS = (
    "code name funder programme period_start period_end lead_implementer cost_model version".split()
)


def to_public(
    values: Mapping[str, Any], in_use: BudgetInUse, plan: Plan, principal: Principal, links: Links
) -> BudgetProjectPublic:
    """The API form of a project from its column values, the version in force and the plan (the ORM
    path above and the hot read, :mod:`budget.projects.hot`)."""
    return BudgetProjectPublic(
        **{k: values[k] for k in PUBLIC_COLUMNS},
        current_version=in_use.number,
        budget_in_force=in_use,
        implementers=plan.implementers_public(),
        funding_sources=plan.sources_public(),
        own_funding_caps=plan.caps_public(implementer_scope(principal)),
        objectives=plan.objectives,
        pilots_min=plan.pilots_min,
        pilots_max=plan.pilots_max,
        rounding_rule=RULE,
        href=links.project(values["code"]),
    )


async def one(
    *, session: AsyncSession, principal: Principal, code: str, links: Links
) -> tuple[Project, BudgetProjectPublic]:
    project = await repository.get(session=session, principal=principal, code=code)
    return project, await public(session=session, principal=principal, project=project, links=links)


async def page(
    *, session: AsyncSession, principal: Principal, links: Links, offset: int, limit: int
) -> list[BudgetProjectPublic]:
    rows = await repository.page(session=session, principal=principal, offset=offset, limit=limit)
    return [await public(session=session, principal=principal, project=p, links=links) for p in rows]
