"""The portfolio rule: 3-5 broad pilots, each multi-sector and involving customers, while it counts.

The rule is an invariant (docs/adr/0007-portfolio-rules-as-invariants.md): an edit that would make an
approved-or-later pilot single-sector or drop its customer involvement is refused with 409
``portfolio-rule`` naming the rule (:func:`refuse_breaking_edit`); ``minimum_met`` is computed from
the pilots that meet the rules now (:func:`counts`), so even a pilot that broke them some other way
(data from before the rule) is reported as not counted, with the reason.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import col, select

from hanke_libs.problems import Conflict
from pilots.gates import facts
from pilots.gates.lifecycle import ACTIVE, customer_involvement
from pilots.gates.schemas import Portfolio, PortfolioDecision, PortfolioPilot
from pilots.models import GateDecision, Pilot, Project
from pilots.pilots import repository
from pilots.scope import Scope
from pilots.types import DecisionBody, DecisionGate, Stage

PORTFOLIO_MIN, PORTFOLIO_MAX = 3, 5
MIN_SECTORS = 2
PORTFOLIO_RULE = (
    "active_count counts the project's pilots in stages approved, running, evaluated and established "
    f"that meet the portfolio rules now: at least {MIN_SECTORS} sectors (hallintoalat) and customer "
    "involvement (customer groups, how customers take part, how many). Each such pilot weighs 1; idea, "
    f"planned and discontinued pilots do not count. A project needs at least {PORTFOLIO_MIN} and at most "
    f"{PORTFOLIO_MAX}; approving one more than {PORTFOLIO_MAX} is refused, and an edit that would make a "
    "counted pilot break a rule is refused (409 portfolio-rule)."
)
AS_OF_NOTE = (
    "Stages, indicator values and decisions are as they were on as_of (from the stage history, the "
    "measurements and the decisions dated up to it); titles, sectors and customer involvement are as they are now."
)


def rule_breaks(pilot: Pilot, sector_count: int) -> list[tuple[str, str]]:
    """The portfolio rules ``pilot`` breaks now, as (code, explanation)."""
    broken = []
    if sector_count < MIN_SECTORS:
        broken.append(
            (
                "multi_sector",
                f"it has {sector_count} sector(s); a counted pilot cuts across at least {MIN_SECTORS}",
            )
        )
    if not customer_involvement(pilot):
        broken.append(
            (
                "customer_involvement",
                "customer involvement is missing (customer_groups, customer_involvement_method and "
                "customers_involved > 0)",
            )
        )
    return broken


def refuse_breaking_edit(pilot: Pilot, sector_count: int) -> None:
    """409 naming the rule when an approved-or-later pilot would stop meeting the portfolio rules."""
    if Stage(pilot.stage) not in ACTIVE:
        return
    broken = rule_breaks(pilot, sector_count)
    if broken:
        raise Conflict(
            f"Pilot {pilot.id} is {pilot.stage} and counts toward the project's 3-5 pilots, which must each be "
            "multi-sector and involve customers: " + "; ".join(m for _, m in broken) + ". Keep the rule, or "
            "have the project manager withdraw the pilot from the portfolio first (move it back with a reason).",
            slug="portfolio-rule",
            rules=[c for c, _ in broken],
        )


async def lock_project(scope: Scope, code: str) -> None:
    """Serialise the project's portfolio changes: a no-op UPDATE of its row takes the row lock
    (PostgreSQL) before active pilots are counted; SQLite already holds its write lock."""
    conn = await scope.session.connection()
    await conn.execute(update(Project).where(col(Project.code) == code).values(name=Project.name))


async def active_others(scope: Scope, project_code: str, exclude: str) -> list[Pilot]:
    stmt = (
        select(Pilot)
        .where(
            Pilot.project_code == project_code,
            col(Pilot.stage).in_([str(s) for s in ACTIVE]),
            Pilot.id != exclude,
        )
        .order_by(col(Pilot.created_at), col(Pilot.id))
    )
    return list((await scope.session.exec(stmt)).all())


async def refuse_when_full(scope: Scope, pilot: Pilot) -> None:
    """409 portfolio-full when the project already has the maximum approved-or-later pilots."""
    await lock_project(scope, pilot.project_code)
    others = await active_others(scope, pilot.project_code, pilot.id)
    if len(others) >= PORTFOLIO_MAX:
        raise Conflict(
            f"The project has {len(others)} pilots from approval onward already (at most {PORTFOLIO_MAX}): "
            + "; ".join(f"{p.title} ({p.stage})" for p in others)
            + ". Discontinue or withdraw one first.",
            slug="portfolio-full",
            stage=pilot.stage,
            pilots=[{"id": p.id, "title": p.title, "stage": p.stage} for p in others],
        )


async def room(scope: Scope, pilot: Pilot) -> int:
    return len(await active_others(scope, pilot.project_code, pilot.id))


async def portfolio(scope: Scope, project: Project, as_of: dt.date | None = None) -> Portfolio:
    """The portfolio as the caller may see it (a champion sees its own pilots in ``pilots`` and
    ``decisions``; the counts are of every pilot); as of a day if ``as_of``."""
    scope.require_read_role()
    everyone = (
        await scope.session.exec(
            select(Pilot)
            .where(Pilot.project_code == project.code)
            .order_by(col(Pilot.created_at), col(Pilot.id))
        )
    ).all()
    ids = [p.id for p in everyone]
    if as_of is not None:
        stage_of = await facts.stages_on(scope, ids, as_of)
    else:
        stage_of = {p.id: Stage(p.stage) for p in everyone}
    present = [p for p in everyone if p.id in stage_of]
    sectors = await repository.sector_codes(scope, [p.id for p in present])
    latest = await facts.latest_evaluations(scope, [p.id for p in present], as_of)
    by_stage = {str(s): 0 for s in Stage}
    rows: list[PortfolioPilot] = []
    counted = approved = 0
    for p in present:
        stage = stage_of[p.id]
        by_stage[str(stage)] += 1
        broken = rule_breaks(p, len(sectors[p.id])) if stage in ACTIVE else []
        counts = stage in ACTIVE and not broken
        approved += stage in ACTIVE
        counted += counts
        if scope.may_read(p):
            rows.append(
                PortfolioPilot(
                    id=p.id,
                    title=p.title,
                    stage=stage,
                    owner_id=p.owner_id,
                    sectors=sectors[p.id],
                    success_rating=latest[p.id].success_rating
                    if p.id in latest and as_of
                    else p.success_rating,
                    counts_toward_rule=counts,
                    not_counted_reason="; ".join(m for _, m in broken) or None,
                    latest_decision=latest[p.id].outcome if p.id in latest else None,
                )
            )
    readable = {r.id: r.title for r in rows}
    stmt = select(GateDecision).where(GateDecision.project_code == project.code)
    if as_of is not None:
        stmt = stmt.where(GateDecision.decided_on <= as_of)
    decisions = [
        PortfolioDecision(
            id=d.id,
            pilot_id=d.pilot_id,
            title=readable[d.pilot_id],
            gate=DecisionGate(d.gate),
            outcome=d.outcome,
            decided_on=d.decided_on,
            reference=d.reference,
            decision_body=DecisionBody(d.decision_body),
        )
        for d in (
            await scope.session.exec(
                stmt.order_by(col(GateDecision.decided_on), col(GateDecision.recorded_at))
            )
        ).all()
        if d.pilot_id in readable
    ]
    return Portfolio(
        project_code=project.code,
        as_of=as_of,
        by_stage=by_stage,
        active_count=counted,
        approved_or_later=approved,
        minimum=PORTFOLIO_MIN,
        maximum=PORTFOLIO_MAX,
        minimum_met=counted >= PORTFOLIO_MIN,
        maximum_ok=approved <= PORTFOLIO_MAX,
        rule=PORTFOLIO_RULE,
        as_of_note=AS_OF_NOTE if as_of else None,
        pilots=rows,
        decisions=decisions,
    )
