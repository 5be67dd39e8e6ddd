"""The hot read of a project (``GET /projects/{code}``): one statement on the read pool, no ORM.

:data:`HEAD` reads the project, the version in force, its history row, the decision it rests on and
the plan's implementers, funding sources and own-funding caps (JSON array columns,
:func:`hanke_libs.sqljson.json_rows`) in one :class:`~hanke_libs.fastread.FastQuery` statement
(asyncpg in autocommit on PostgreSQL, the engine on SQLite). The rules are those of
:func:`budget.projects.repository.get` and :func:`budget.projects.service.public`: 404 for an
unknown code, 403 for finance of an organisation that does not implement the project, and finance
sees its own implementer's caps only (ADR 0011).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    bindparam,
    case,
)
from sqlalchemy import select as select_core

from budget.access import implementer_scope
from budget.funding.plan import Cap, Implementer, Plan, Source
from budget.links import Links
from budget.models import (
    BudgetDecision,
    BudgetInForce,
    BudgetVersion,
    FundingSource,
    OwnFundingCap,
    Project,
    ProjectImplementer,
)
from budget.projects.repository import not_an_implementer, not_found
from budget.projects.schemas import BudgetProjectPublic
from budget.projects.service import to_public
from budget.schemas import BudgetInUse
from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.fastread import FastQuery
from hanke_libs.money import from_cents
from hanke_libs.sqljson import json_rows


def T(model: Any) -> Any:
    return model.__table__


def _head() -> FastQuery:
    p, v, f, d = T(Project), T(BudgetVersion), T(BudgetInForce), T(BudgetDecision)
    # The version's latest history row (as budget.versions.repository.in_force_on with on=None).
    h = f.alias("history")
    row_id = (
        select_core(h.c.id)
        .where(h.c.project_id == p.c.id, h.c.version_id == v.c.id)
        .order_by(h.c.effective_from.desc(), h.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The decision it rests on: the one it entered force by, else its latest approval (resting_on).
    by_row = select_core(d.c.reference).where(d.c.id == f.c.decision_id).scalar_subquery()
    approved = (
        select_core(d.c.reference)
        .where(d.c.version_id == v.c.id, d.c.outcome == "approved")
        .order_by(d.c.decided_on.desc(), d.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    joined = p.outerjoin(v, v.c.id == p.c.current_version_id).outerjoin(f, f.c.id == row_id)
    decision = case((f.c.decision_id.is_not(None), by_row), else_=approved)
    stmt = select_core(
        *p.c,
        v.c.number.label("version_number"),
        v.c.kind.label("version_kind"),
        f.c.effective_from.label("effective_from"),
        decision.label("decision_reference"),
        *_children(p),
    ).select_from(joined)
    return FastQuery(stmt.where(p.c.code == bindparam("code")))


def _children(p: Any) -> list[Any]:
    """The plan's implementers, funding sources and own-funding caps, each a JSON array column."""
    i, s, c = T(ProjectImplementer), T(FundingSource), T(OwnFundingCap)
    implementers = json_rows(id=i.c.id, business_id=i.c.business_id, name=i.c.name, role=i.c.role)
    sources = json_rows(
        id=s.c.id, code=s.c.code, name=s.c.name, kind=s.c.kind, share_bp=s.c.share_bp, position=s.c.position
    )
    caps = json_rows(
        id=c.c.id, implementer=c.c.implementer, year=c.c.year, cap=c.c.cap, warn_percent=c.c.warn_percent
    )
    return [
        select_core(rows).where(table.c.project_id == p.c.id).scalar_subquery().label(name)
        for name, table, rows in (
            ("implementers", i, implementers),
            ("sources", s, sources),
            ("caps", c, caps),
        )
    ]


HEAD = _head()


def plan_of(head: dict[str, Any]) -> Plan:
    """The plan from the head row's JSON children, each part in the order of the session path
    (``budget.funding.plan.project_plan``): implementers by id, sources by position, caps by
    implementer."""
    implementers = sorted(head["implementers"], key=lambda r: r["id"])
    sources = sorted(head["sources"], key=lambda r: (r["position"], r["id"]))
    caps = sorted(head["caps"], key=lambda r: (r["implementer"], r["id"]))
    return Plan(
        period_start=head["period_start"],
        period_end=head["period_end"],
        implementers=[Implementer(r["business_id"], r["name"], r["role"]) for r in implementers],
        sources=[Source(r["code"], r["name"], r["kind"], r["share_bp"], r["position"]) for r in sources],
        caps=[Cap(r["implementer"], r["year"], from_cents(r["cap"]), r["warn_percent"]) for r in caps],
        objectives=list(head["objectives"] or []),
        pilots_min=head["pilots_min"],
        pilots_max=head["pilots_max"],
    )


async def read_public(
    *, db: Database, principal: Principal, code: str, links: Links
) -> tuple[int, BudgetProjectPublic]:
    """The project ``code`` as ``principal`` may see it, and its version (for the ETag)."""
    head = await HEAD.first(db, code=code)
    if head is None:
        raise not_found(code)
    plan = plan_of(head)
    scope = implementer_scope(principal, aggregates=True)
    if scope is not None and scope not in {i.business_id for i in plan.implementers}:
        raise not_an_implementer(scope, code)
    number = head["version_number"]
    effective = head["effective_from"]
    in_use = BudgetInUse(
        number=number,
        kind=head["version_kind"] if number is not None else None,
        effective_from=effective.isoformat() if number is not None and effective is not None else None,
        decision=head["decision_reference"] if number is not None else None,
    )
    return head["version"], to_public(head, in_use, plan, principal, links)
