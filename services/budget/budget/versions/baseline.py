"""The decided baseline (the version in force and its history) and the governance rules of a project."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.db import audit
from budget.links import Links
from budget.projects import repository as projects
from budget.versions import governance, repository
from budget.versions.present import decision_public, public
from budget.versions.schemas import (
    BaselinePublic,
    BudgetVersionPublic,
    DecisionPublic,
    GovernanceRulePublic,
    GovernanceRulesIn,
    GovernanceRulesPublic,
    InForcePublic,
)
from hanke_libs.auth import Principal
from hanke_libs.personal import redact_for
from hanke_libs.problems import InvalidParam, UnprocessableContent

RULES_HOW = (
    "A new budget version is compared with the version in force by every enabled rule; a rule that fires "
    "needs the decision of its decided_by body before the version may enter into force. Codes not listed "
    "in a PUT keep their defaults."
)


async def baseline(*, session: AsyncSession, principal: Principal, code: str, links: Links) -> BaselinePublic:
    project = await projects.get(session=session, principal=principal, code=code)
    version, row = await repository.in_force_on(session=session, project=project, on=None)
    decision = await repository.resting_on(session=session, version=version, row=row)
    return redact_for(
        principal,
        BaselinePublic(
            project=project.code,
            version=await public(
                session=session, principal=principal, project=project, version=version, links=links
            )
            if version
            else None,
            effective_from=row.effective_from if row else None,
            decision=decision_public(project, version, decision, links) if decision and version else None,
            history=links.figure(project.code, "baseline/history"),
        ),
    )


async def history(
    *, session: AsyncSession, principal: Principal, code: str, links: Links, offset: int, limit: int
) -> list[InForcePublic]:
    project = await projects.get(session=session, principal=principal, code=code)
    out: list[InForcePublic] = []
    for row in (await repository.history(session=session, project=project))[offset : offset + limit]:
        version = await repository.by_id(session=session, version_id=row.version_id)
        assert version is not None
        decision = await repository.decision_by_id(session=session, decision_id=row.decision_id)
        out.append(
            redact_for(
                principal,
                InForcePublic(
                    version=version.number,
                    kind=version.kind,
                    effective_from=row.effective_from,
                    entered_at=row.entered_at,
                    entered_by=row.entered_by,
                    decision=decision_public(project, version, decision, links) if decision else None,
                    href=links.version(project.code, version.number),
                ),
            )
        )
    return out


def rules_public(code: str, rules: list[governance.Rule]) -> GovernanceRulesPublic:
    return GovernanceRulesPublic(
        project=code,
        rules=[
            GovernanceRulePublic(
                code=r.code,
                description=r.description,
                enabled=r.enabled,
                decided_by=r.decided_by,
                threshold_percent=(Decimal(r.threshold_bp) / 100).quantize(Decimal("0.01"))
                if r.threshold_bp is not None
                else None,
                threshold_amount=r.threshold_amount,
            )
            for r in rules
        ],
        how=RULES_HOW,
    )


def percent_bp(value: Decimal | None, default: int | None) -> int | None:
    return default if value is None else int(value * 100)


async def get_rules(*, session: AsyncSession, principal: Principal, code: str) -> GovernanceRulesPublic:
    project = await projects.get(session=session, principal=principal, code=code)
    return rules_public(project.code, await governance.rules_for(session=session, project=project))


async def replace_rules(
    *, session: AsyncSession, principal: Principal, code: str, data: GovernanceRulesIn
) -> GovernanceRulesPublic:
    """Replace the project's rules (codes not given keep their defaults); audited."""
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    unknown = [
        InvalidParam(
            name=f"body.rules.{n}.code",
            reason=f"{r.code!r} is not a rule ({', '.join(governance.RULE_CODES)})",
        )
        for n, r in enumerate(data.rules)
        if r.code not in governance.RULE_CODES
    ]
    if unknown:
        raise UnprocessableContent("Unknown governance rules.", slug="invalid-rules", errors=unknown)
    given = {r.code: r for r in data.rules}
    rules = [
        governance.Rule(
            code=d.code,
            enabled=given[d.code].enabled,
            decided_by=given[d.code].decided_by.value,
            threshold_bp=percent_bp(given[d.code].threshold_percent, d.threshold_bp),
            threshold_amount=given[d.code].threshold_amount
            if given[d.code].threshold_amount is not None
            else d.threshold_amount,
        )
        if d.code in given
        else d
        for d in governance.default_rules()
    ]
    before = await governance.rules_for(session=session, project=project)
    await governance.store_rules(session=session, project=project, rules=rules)
    await audit.record(
        session,
        actor=principal,
        action="replace",
        entity_type="governance_rules",
        entity_id=project.code,
        changes={
            r.code: {
                "before": b.__dict__ | {"threshold_amount": str(b.threshold_amount)},
                "after": r.__dict__ | {"threshold_amount": str(r.threshold_amount)},
            }
            for r, b in zip(rules, before, strict=True)
            if r != b
        },
    )
    return rules_public(project.code, rules)


async def page(
    *, session: AsyncSession, principal: Principal, code: str, links: Links, offset: int, limit: int
) -> list[BudgetVersionPublic]:
    project = await projects.get(session=session, principal=principal, code=code)
    ever = {r.version_id for r in await repository.history(session=session, project=project)}
    return [
        await public(
            session=session, principal=principal, project=project, version=v, links=links, ever_in_force=ever
        )
        for v in await repository.page(session=session, project=project, offset=offset, limit=limit)
    ]


async def one(
    *, session: AsyncSession, principal: Principal, code: str, number: int, links: Links
) -> BudgetVersionPublic:
    project = await projects.get(session=session, principal=principal, code=code)
    version = await repository.by_number(session=session, project=project, number=number)
    return await public(session=session, principal=principal, project=project, version=version, links=links)


async def decisions_page(
    *,
    session: AsyncSession,
    principal: Principal,
    code: str,
    number: int,
    links: Links,
    offset: int,
    limit: int,
) -> list[DecisionPublic]:
    project = await projects.get(session=session, principal=principal, code=code)
    version = await repository.by_number(session=session, project=project, number=number)
    rows = (await repository.decisions(session=session, version=version))[offset : offset + limit]
    return [redact_for(principal, decision_public(project, version, d, links)) for d in rows]


async def decision_one(
    *, session: AsyncSession, principal: Principal, code: str, number: int, decision_id: int, links: Links
) -> DecisionPublic:
    project = await projects.get(session=session, principal=principal, code=code)
    version = await repository.by_number(session=session, project=project, number=number)
    d = await repository.decision(session=session, version=version, decision_id=decision_id)
    return redact_for(principal, decision_public(project, version, d, links))
