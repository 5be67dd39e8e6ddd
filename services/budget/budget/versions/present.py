"""Budget versions as the API shows them to a caller (finance: its lines and caps; steering: no
persons), and the comparison of two versions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import implementer_scope
from budget.funding.plan import Plan
from budget.funding.rules import flat_amount
from budget.links import Links
from budget.models import BudgetDecision, BudgetVersion, Project
from budget.projects import repository as projects
from budget.versions import governance, repository
from budget.versions.schemas import BudgetLinePublic, BudgetVersionPublic, DecisionPublic, PlanPublic
from budget.versions.service import budget_of, missing_decisions, rate_of
from hanke_libs.auth import Principal
from hanke_libs.personal import redact_for

ZERO = Decimal("0.00")


def decision_public(
    project: Project, version: BudgetVersion, d: BudgetDecision, links: Links
) -> DecisionPublic:
    return DecisionPublic(
        id=d.id,  # type: ignore[arg-type]
        body=d.body,
        decided_on=d.decided_on,
        reference=d.reference,
        document_url=d.document_url,
        outcome=d.outcome,
        note=d.note,
        recorded_at=d.recorded_at,
        recorded_by=d.recorded_by,
        href=links.decision(project.code, version.number, d.id),  # type: ignore[arg-type]
    )


def plan_public(plan: Plan, implementer: str | None) -> PlanPublic:
    return PlanPublic(
        period_start=plan.period_start,
        period_end=plan.period_end,
        implementers=plan.implementers_public(),
        funding_sources=plan.sources_public(),
        own_funding_caps=plan.caps_public(implementer),
        objectives=plan.objectives,
        pilots_min=plan.pilots_min,
        pilots_max=plan.pilots_max,
    )


async def public(
    *,
    session: AsyncSession,
    principal: Principal,
    project: Project,
    version: BudgetVersion,
    links: Links,
    ever_in_force: set[int] | None = None,
) -> BudgetVersionPublic:
    """The version as ``principal`` may see it (finance: its own lines and caps; steering: no persons)."""
    scope = implementer_scope(principal)
    rows = await repository.lines(session=session, version=version, implementer=scope)
    decided = await repository.decisions(session=session, version=version)
    if ever_in_force is None:
        ever_in_force = {r.version_id for r in await repository.history(session=session, project=project)}
    in_force = project.current_version_id == version.id
    status = version.status
    if in_force:
        status = "in_force"
    elif status == "approved" and version.id in ever_in_force:
        status = "superseded"
    rate = rate_of(project)
    total = sum((r.amount for r in rows), ZERO)
    flat = sum((flat_amount(r.amount, rate) for r in rows if r.category_code == "staff"), ZERO)
    body = BudgetVersionPublic(
        number=version.number,
        kind=version.kind,
        status=status,
        in_force=in_force,
        current=in_force,
        reason=version.reason,
        substantial=version.substantial,
        needs_decision_by=missing_decisions(version, decided) if version.status == "pending_decision" else [],
        review=version.review,
        decisions=[decision_public(project, version, d, links) for d in decided],
        note=version.note,
        created_at=version.created_at,
        created_by=version.created_by,
        total=total,
        flat_rate=flat,
        eligible_total=total + flat,
        lines=[
            BudgetLinePublic(
                implementer=r.implementer, year=r.year, category=r.category_code, amount=r.amount, note=r.note
            )
            for r in rows
        ],
        plan=plan_public(Plan.from_json(version.plan), scope),
        href=links.version(project.code, version.number),
    )
    return redact_for(principal, body)


async def compare(
    *, session: AsyncSession, principal: Principal, code: str, a: int, b: int
) -> dict[str, Any]:
    """Line-by-line comparison of two versions (b − a) and the governance rules applied to b against a."""
    project = await projects.get(session=session, principal=principal, code=code)
    va = await repository.by_number(session=session, project=project, number=a)
    vb = await repository.by_number(session=session, project=project, number=b)
    scope = implementer_scope(principal)
    table: dict[tuple[str, int, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for i, version in enumerate((va, vb)):
        for line in await repository.lines(session=session, version=version, implementer=scope):
            table[(line.implementer, line.year, line.category_code)][i] = line.amount
    rows = []
    for (impl, year, cat), (x, y) in sorted(table.items()):
        change = "same" if x == y else "added" if x == 0 else "removed" if y == 0 else "changed"
        rows.append(
            {
                "implementer": impl,
                "year": year,
                "category": cat,
                "a": f"{x:.2f}",
                "b": f"{y:.2f}",
                "difference": f"{y - x:.2f}",
                "change": change,
            }
        )
    total_a = sum((v[0] for v in table.values()), ZERO)
    total_b = sum((v[1] for v in table.values()), ZERO)
    rules = await governance.rules_for(session=session, project=project)
    review = governance.review(
        old=await budget_of(session=session, project=project, version=va),
        new=await budget_of(session=session, project=project, version=vb),
        rules=rules,
        kind=vb.kind,
        declared_substantial=False,
    )
    return {
        "project": project.code,
        "a": va.number,
        "b": vb.number,
        "scope": {"implementer": scope},
        "total_a": f"{total_a:.2f}",
        "total_b": f"{total_b:.2f}",
        "difference": f"{total_b - total_a:.2f}",
        "lines": rows,
        "governance": review,
    }
