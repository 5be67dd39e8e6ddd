"""Budget versions: append, review against the version in force, decide, enter into force.

The flow (issue 11): a new version is compared with the version in force by the project's rules
(:mod:`budget.versions.governance`). Needing no decision, it is ``approved`` and, by default, enters
into force at once (project manager or admin). Needing decisions (a rule fired, declared
substantial, or of kind ``decided``), it is ``pending_decision`` and cannot enter into force until
every body named has recorded an approving decision; a rejecting decision makes it ``rejected``.
Entering into force records the baseline history (effective date, decision) and makes the
version's plan the project's plan in force. Every step is in the audit trail. All of it runs under
the project's row lock, so version numbers, the baseline and its history never race.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from budget import numbering
from budget.categories import category_map, ensure_reference_data
from budget.db import audit
from budget.funding.plan import Cap, Implementer, Plan, Source, project_plan, store_plan
from budget.models import BudgetDecision, BudgetInForce, BudgetLine, BudgetVersion, Project
from budget.projects import repository as projects
from budget.schemas import FLAT_RATES
from budget.versions import governance, repository
from budget.versions.schemas import (
    BudgetVersionCreate,
    DecisionCreate,
    PlanIn,
    check_plan,
)
from hanke_libs.auth import Principal
from hanke_libs.problems import Conflict, InvalidParam, UnprocessableContent

ZERO = Decimal("0.00")


def rate_of(project: Project) -> Decimal | None:
    return FLAT_RATES.get(project.cost_model)


def merged_plan(base: Plan, given: PlanIn | None) -> Plan:
    """``base`` with the parts ``given`` replaces; 422 when the result is not a valid plan."""
    if given is None:
        return base
    try:
        check_plan(given)
    except ValueError as exc:
        raise UnprocessableContent(f"plan: {exc}.", slug="invalid-plan") from exc
    plan = Plan(
        period_start=given.period_start or base.period_start,
        period_end=given.period_end or base.period_end,
        implementers=[Implementer(i.business_id, i.name, i.role.value) for i in given.implementers]
        if given.implementers is not None
        else list(base.implementers),
        sources=[
            Source(s.code, s.name, s.kind.value, int(s.share_percent * 100), n)
            for n, s in enumerate(given.funding_sources, start=1)
        ]
        if given.funding_sources is not None
        else list(base.sources),
        caps=[Cap(c.implementer, c.year, c.cap, c.warn_percent) for c in given.own_funding_caps]
        if given.own_funding_caps is not None
        else list(base.caps),
        objectives=list(given.objectives) if given.objectives is not None else list(base.objectives),
        pilots_min=given.pilots_min if "pilots_min" in given.model_fields_set else base.pilots_min,
        pilots_max=given.pilots_max if "pilots_max" in given.model_fields_set else base.pilots_max,
    )
    problems: list[str] = []
    if plan.period_end < plan.period_start:
        problems.append("period_end is before period_start")
    if sum(s.share_bp for s in plan.sources) != 10000:
        problems.append("the funding sources' share_percent must sum to exactly 100")
    if [i.role for i in plan.implementers].count("lead") != 1:
        problems.append("exactly one implementer must have the role lead")
    stray = sorted({c.implementer for c in plan.caps} - plan.implementer_ids)
    if stray:
        problems.append(f"own-funding caps for {', '.join(stray)}, who are not implementers")
    if None not in (plan.pilots_min, plan.pilots_max) and plan.pilots_min > plan.pilots_max:  # type: ignore[operator]
        problems.append("pilots_min is above pilots_max")
    if problems:
        raise UnprocessableContent("plan: " + "; ".join(problems) + ".", slug="invalid-plan")
    return plan


async def check_lines(
    *, session: AsyncSession, project: Project, plan: Plan, data: BudgetVersionCreate
) -> None:
    await ensure_reference_data(session)
    cats = await category_map(session)
    rate = rate_of(project)
    errors: list[InvalidParam] = []
    seen: set[tuple[str, int, str]] = set()
    for n, line in enumerate(data.lines):
        where = f"body.lines.{n}"
        cat = cats.get(line.category)
        if cat is None or cat.kind != "cost":
            errors.append(
                InvalidParam(name=f"{where}.category", reason=f"{line.category!r} is not a cost category")
            )
        elif cat.replaced_by_flat_rate and rate is not None:
            errors.append(
                InvalidParam(
                    name=f"{where}.category",
                    reason=f"{line.category} is replaced by the flat rate of cost model {project.cost_model}",
                )
            )
        if line.implementer not in plan.implementer_ids:
            errors.append(
                InvalidParam(name=f"{where}.implementer", reason=f"{line.implementer} is not an implementer")
            )
        if not plan.period_start.year <= line.year <= plan.period_end.year:
            errors.append(
                InvalidParam(name=f"{where}.year", reason=f"{line.year} is outside the project period")
            )
        key = (line.implementer, line.year, line.category)
        if key in seen:
            errors.append(InvalidParam(name=where, reason="the same implementer, year and category twice"))
        seen.add(key)
    if errors:
        raise UnprocessableContent(
            f"{len(errors)} budget line(s) are not valid.", slug="invalid-budget-lines", errors=errors
        )


async def budget_of(*, session: AsyncSession, project: Project, version: BudgetVersion) -> governance.Budget:
    return governance.Budget(
        number=version.number,
        plan=Plan.from_json(version.plan),
        lines=await repository.lines(session=session, version=version),
        rate=rate_of(project),
    )


async def create_version(
    *,
    session: AsyncSession,
    principal: Principal | None,
    code: str,
    data: BudgetVersionCreate,
    actor: Principal | str,
) -> BudgetVersion:
    """Append a version, reviewed against the version in force; see the module docstring."""
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    in_force = await repository.current(session=session, project=project)
    base = Plan.from_json(in_force.plan) if in_force else await project_plan(session=session, project=project)
    plan = merged_plan(base, data.plan)
    await check_lines(session=session, project=project, plan=plan, data=data)
    if data.kind.value == "applied" and data.substantial:
        raise UnprocessableContent("An applied version is not a change: substantial must be false.")
    lines = [
        BudgetLine(
            version_id=0,
            implementer=x.implementer,
            year=x.year,
            category_code=x.category,
            amount=x.amount,
            note=x.note,
        )
        for x in data.lines
    ]
    old = await budget_of(session=session, project=project, version=in_force) if in_force else None
    new = governance.Budget(number=None, plan=plan, lines=lines, rate=rate_of(project))
    rules = await governance.rules_for(session=session, project=project)
    review = governance.review(
        old=old, new=new, rules=rules, kind=data.kind.value, declared_substantial=data.substantial
    )
    version = BudgetVersion(
        project_id=project.id,  # type: ignore[arg-type]
        number=await numbering.next_number(session, project.id, "version"),  # type: ignore[arg-type]
        kind=data.kind.value,
        status="pending_decision" if review["decisions_needed"] else "approved",
        reason=data.reason,
        substantial=review["substantial"],
        plan=plan.to_json(),
        review=review,
        note=data.note,
        created_by=actor.actor if isinstance(actor, Principal) else actor,
    )
    session.add(version)
    await session.flush()
    for line in lines:
        line.version_id = version.id  # type: ignore[assignment]
        session.add(line)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="budget_version",
        entity_id=f"{project.code}/{version.number}",
        changes={
            "kind": version.kind,
            "reason": version.reason,
            "status": version.status,
            "substantial": version.substantial,
            "rules_fired": review["fired"],
            "decisions_needed": review["decisions_needed"],
            "compared_with": review["compared_with"],
            "lines": len(lines),
            "eligible_total": f"{new.eligible_total():.2f}",
        },
    )
    if data.make_current and version.status == "approved":
        await enter_force(session=session, project=project, version=version, actor=actor)
    return version


async def enter_force(
    *,
    session: AsyncSession,
    project: Project,
    version: BudgetVersion,
    actor: Principal | str,
    decided_on: dt.date | None = None,
    decision: BudgetDecision | None = None,
) -> BudgetInForce:
    """Make ``version`` the version in force (caller holds the project lock)."""
    rows = await repository.history(session=session, project=project)
    plan = Plan.from_json(version.plan)
    if not rows:
        effective = plan.period_start  # the first budget covers the project from its start
    else:
        effective = max(decided_on or dt.date.today(), rows[-1].effective_from)
    before = project.current_version_id
    project.current_version_id = version.id
    project.version += 1
    await store_plan(session=session, project=project, plan=plan)
    row = BudgetInForce(
        project_id=project.id,  # type: ignore[arg-type]
        version_id=version.id,  # type: ignore[arg-type]
        effective_from=effective,
        entered_by=actor.actor if isinstance(actor, Principal) else actor,
        decision_id=decision.id if decision else None,
    )
    session.add(row)
    await session.flush()
    previous = await repository.by_id(session=session, version_id=before) if before else None
    await audit.record(
        session,
        actor=actor,
        action="enter_force",
        entity_type="budget_version",
        entity_id=f"{project.code}/{version.number}",
        changes={
            "in_force": [previous.number if previous else None, version.number],
            "effective_from": effective.isoformat(),
            "decision": decision.reference if decision else None,
        },
    )
    return row


def missing_decisions(version: BudgetVersion, decisions: list[BudgetDecision]) -> list[str]:
    needed = set((version.review or {}).get("decisions_needed", []))
    have = {d.body for d in decisions if d.outcome == "approved"}
    return sorted(needed - have)


def needs_decision(project: Project, version: BudgetVersion, missing: list[str]) -> Conflict:
    fired = ", ".join((version.review or {}).get("fired", [])) or "kind decided"
    return Conflict(
        f"Budget version {version.number} of {project.code} cannot enter into force: it needs the decision of "
        f"{' and '.join(missing)} (rules: {fired}). Record it with POST /projects/{project.code}/versions/"
        f"{version.number}/decisions.",
        slug="version-needs-decision",
        missing_decisions=missing,
        rules_fired=(version.review or {}).get("fired", []),
    )


async def make_current(
    *, session: AsyncSession, principal: Principal, code: str, number: int
) -> tuple[Project, BudgetVersion]:
    """Put an approved version into force (project manager); 409 when it still needs a decision."""
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    version = await repository.by_number(session=session, project=project, number=number)
    if version.id == project.current_version_id:
        return project, version
    if version.status == "rejected":
        raise Conflict(
            f"Budget version {number} of {code} was rejected by a decision and cannot enter into force.",
            slug="version-rejected",
        )
    decided = await repository.decisions(session=session, version=version)
    missing = missing_decisions(version, decided)
    if missing:
        raise needs_decision(project, version, missing)
    in_force = await repository.current(session=session, project=project)
    if in_force is not None and (version.review or {}).get("compared_with") != in_force.number:
        # The baseline moved since the version was reviewed: the rules must hold against today's.
        rules = await governance.rules_for(session=session, project=project)
        again = governance.review(
            old=await budget_of(session=session, project=project, version=in_force),
            new=await budget_of(session=session, project=project, version=version),
            rules=rules,
            kind=version.kind,
            declared_substantial=False,
        )
        have = {d.body for d in decided if d.outcome == "approved"}
        still = sorted(set(again["decisions_needed"]) - have)
        if still:
            raise Conflict(
                f"Budget version {number} differs from the version in force ({in_force.number}) by rules "
                f"{', '.join(again['fired'])}: it needs the decision of {' and '.join(still)} first.",
                slug="version-needs-decision",
                missing_decisions=still,
                rules_fired=again["fired"],
            )
    await enter_force(session=session, project=project, version=version, actor=principal)
    return project, version


async def record_decision(
    *,
    session: AsyncSession,
    principal: Principal | None,
    code: str,
    number: int,
    data: DecisionCreate,
    actor: Principal | str,
) -> tuple[Project, BudgetVersion, BudgetDecision]:
    """Record a decision of the city board or the funder; enter into force when none is missing."""
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    version = await repository.by_number(session=session, project=project, number=number)
    in_force = version.id == project.current_version_id
    if version.status == "rejected":
        raise Conflict(f"Budget version {number} of {code} was rejected already.", slug="version-rejected")
    if data.outcome.value == "rejected" and in_force:
        raise Conflict(
            f"Budget version {number} is in force; put another version into force before recording a rejection.",
            slug="version-in-force",
        )
    decision = BudgetDecision(
        project_id=project.id,  # type: ignore[arg-type]
        version_id=version.id,  # type: ignore[arg-type]
        body=data.body.value,
        decided_on=data.decided_on,
        reference=data.reference,
        document_url=data.document_url,
        outcome=data.outcome.value,
        note=data.note,
        recorded_by=actor.actor if isinstance(actor, Principal) else actor,
    )
    session.add(decision)
    await session.flush()
    before = version.status
    decided = await repository.decisions(session=session, version=version)
    if data.outcome.value == "rejected":
        version.status = "rejected"
    elif not missing_decisions(version, decided):
        version.status = "approved"
    session.add(version)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="decision",
        entity_type="budget_version",
        entity_id=f"{project.code}/{version.number}",
        changes={
            "body": decision.body,
            "decided_on": decision.decided_on.isoformat(),
            "reference": decision.reference,
            "outcome": decision.outcome,
            "status": [before, version.status],
        },
    )
    if data.make_current and version.status == "approved" and not in_force:
        await enter_force(
            session=session,
            project=project,
            version=version,
            actor=actor,
            decided_on=data.decided_on,
            decision=decision,
        )
    return project, version, decision
