"""The hot read of a project (``GET /projects/{code}``): two statements on the read pool, no ORM.

:data:`HEAD` reads the project, the version in force, its history row and the decision it rests on
in one statement; :data:`PARTS` reads the plan's implementers, funding sources and own-funding caps
as one ``UNION ALL``. Both are :class:`~hanke_libs.fastread.FastQuery` statements (asyncpg in
autocommit on PostgreSQL, the engine on SQLite). The rules are those of
:func:`budget.projects.repository.get` and :func:`budget.projects.service.public`: 404 for an
unknown code, 403 for finance of an organisation that does not implement the project, and finance
sees its own implementer's caps only (ADR 0011).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    bindparam,
    case,
    cast,
    literal_column,
    null,
    type_coerce,
    union_all,
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
from hanke_libs.money import Cents


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
    ).select_from(joined)
    return FastQuery(stmt.where(p.c.code == bindparam("code")))


def _parts() -> FastQuery:
    """Implementers, sources and caps of one project as rows of one shape, each part in its order."""
    i, s, c = T(ProjectImplementer), T(FundingSource), T(OwnFundingCap)
    # Typed NULLs and constants: PostgreSQL resolves a UNION's column types branch by branch.
    text_, int_ = cast(null(), String), cast(null(), Integer)
    cents_ = type_coerce(cast(null(), BigInteger), Cents)
    empty, zero = cast(literal_column("''"), String), cast(literal_column("0"), Integer)

    def part(name: str, table: Any, *values: Any) -> Any:
        names = ("t1", "t2", "t3", "n1", "n2", "cents", "k1", "k2")
        types = (String, String, String, Integer, Integer, Cents, String, Integer)
        return select_core(
            literal_column(f"'{name}'", String).label("part"),
            *(type_coerce(v, t).label(n) for v, t, n in zip(values, types, names, strict=True)),
            table.c.id.label("k3"),
        ).where(table.c.project_id == bindparam("project_id"))

    rows = union_all(
        part("i", i, i.c.business_id, i.c.name, i.c.role, int_, int_, cents_, empty, zero),
        part("s", s, s.c.code, s.c.name, s.c.kind, s.c.share_bp, s.c.position, cents_, empty, s.c.position),
        part(
            "c", c, c.c.implementer, text_, text_, c.c.year, c.c.warn_percent, c.c.cap, c.c.implementer, zero
        ),
    ).subquery()
    return FastQuery(select_core(rows).order_by(rows.c.part, rows.c.k1, rows.c.k2, rows.c.k3))


HEAD = _head()
PARTS = _parts()


def plan_of(head: dict[str, Any], rows: list[dict[str, Any]]) -> Plan:
    return Plan(
        period_start=head["period_start"],
        period_end=head["period_end"],
        implementers=[Implementer(r["t1"], r["t2"], r["t3"]) for r in rows if r["part"] == "i"],
        sources=[Source(r["t1"], r["t2"], r["t3"], r["n1"], r["n2"]) for r in rows if r["part"] == "s"],
        caps=[Cap(r["t1"], r["n1"], r["cents"], r["n2"]) for r in rows if r["part"] == "c"],
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
    rows = await PARTS.all(db, project_id=head["id"])
    plan = plan_of(head, rows)
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
