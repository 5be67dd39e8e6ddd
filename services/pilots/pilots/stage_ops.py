"""Stage moves, next-gate hints and the project's portfolio of pilots."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.problems import Conflict, InvalidParam, UnprocessableContent
from pilots.access import require_edit
from pilots.lifecycle import (
    ACTIVE,
    PORTFOLIO_MAX,
    PORTFOLIO_MIN,
    PORTFOLIO_RULE,
    GateFacts,
    allowed_moves,
    move_kind,
    needs_reason,
    next_stage,
    requirements,
)
from pilots.models import (
    EstablishmentPilot,
    Indicator,
    Measurement,
    Pilot,
    PilotSector,
    Project,
    StageChange,
    audit,
)
from pilots.models.types import utcnow
from pilots.schemas.common import Stage
from pilots.schemas.pilot import MoveRequest, NextGate, Portfolio, PortfolioPilot, Requirement


async def _count(session: AsyncSession, stmt: object) -> int:
    return int((await session.exec(stmt)).one())  # type: ignore[call-overload]


async def gate_facts(session: AsyncSession, pilot: Pilot) -> GateFacts:
    sectors = await _count(
        session, select(func.count()).select_from(PilotSector).where(PilotSector.pilot_id == pilot.id)
    )
    indicators = await _count(
        session,
        select(func.count())
        .select_from(Indicator)
        .where(
            Indicator.pilot_id == pilot.id,
            col(Indicator.baseline).is_not(None),
            col(Indicator.target).is_not(None),
        ),
    )
    measurements = await _count(
        session, select(func.count()).select_from(Measurement).where(Measurement.pilot_id == pilot.id)
    )
    records = await _count(
        session,
        select(func.count()).select_from(EstablishmentPilot).where(EstablishmentPilot.pilot_id == pilot.id),
    )
    return GateFacts(pilot, sectors, indicators, measurements, records)


async def active_pilots(
    session: AsyncSession, project_code: str, *, exclude: str | None = None
) -> list[Pilot]:
    stmt = (
        select(Pilot)
        .where(Pilot.project_code == project_code, col(Pilot.stage).in_([str(s) for s in ACTIVE]))
        .order_by(col(Pilot.created_at), col(Pilot.id))
    )
    if exclude:
        stmt = stmt.where(Pilot.id != exclude)
    return list((await session.exec(stmt)).all())


def _refuse(
    detail: str, slug: str, pilot: Pilot, missing: list[Requirement], pilots: list[Pilot] | None = None
) -> Conflict:
    problem = Conflict(
        detail,
        slug=slug,
        stage=pilot.stage,
        missing=[m.model_dump(mode="json") for m in missing],
        allowed_moves=[str(s) for s in allowed_moves(Stage(pilot.stage))],
    )
    if pilots is not None:
        problem.extra["pilots"] = [{"id": p.id, "title": p.title, "stage": p.stage} for p in pilots]
    return problem


async def move(*, session: AsyncSession, principal: Principal, pilot: Pilot, request: MoveRequest) -> Pilot:
    """Move the pilot to ``request.to`` if the lifecycle and the gates allow it."""
    require_edit(principal, pilot)
    current, target = Stage(pilot.stage), request.to
    kind = move_kind(current, target)
    facts = await gate_facts(session, pilot)
    unmet = [r for r in requirements(target, facts) if not r.met] if target not in (Stage.idea,) else []
    if kind is None:
        raise _refuse(f"The lifecycle has no move from {current} to {target}.", "move-not-allowed", pilot, [])
    if kind == "late_entry" and not request.late_entry:
        raise _refuse(
            f"From {current} the next stage is {next_stage(current)}; entering {target} directly is a late "
            "entry (send late_entry: true with a reason).",
            "move-not-allowed",
            pilot,
            unmet,
        )
    if needs_reason(current, kind) and not request.reason:
        raise UnprocessableContent(
            f"A {kind.replace('_', ' ')} from {current} to {target} needs a reason.",
            slug="reason-required",
            errors=[InvalidParam(name="body.reason", reason="required for this move")],
        )
    if kind in ("forward", "late_entry") and unmet:
        raise _refuse(
            f"{target} needs: " + "; ".join(r.message for r in unmet) + ".", "gate-not-met", pilot, unmet
        )
    if target in ACTIVE and current not in ACTIVE:
        # Serialise approvals of one project: a no-op UPDATE of the project row takes its row lock on
        # PostgreSQL and the write lock on SQLite before the active pilots are counted.
        conn = await session.connection()
        await conn.execute(
            update(Project).where(col(Project.code) == pilot.project_code).values(name=Project.name)
        )
        others = await active_pilots(session, pilot.project_code, exclude=pilot.id)
        if len(others) >= PORTFOLIO_MAX:
            raise _refuse(
                f"The project has {len(others)} pilots from approval onward already (at most {PORTFOLIO_MAX}): "
                + "; ".join(f"{p.title} ({p.stage})" for p in others)
                + ".",
                "portfolio-full",
                pilot,
                [],
                pilots=others,
            )
    pilot.stage = str(target)
    pilot.version += 1
    pilot.updated_at = utcnow()
    session.add(pilot)
    session.add(
        StageChange(
            pilot_id=pilot.id,
            from_stage=str(current),
            to_stage=str(target),
            kind=kind,
            actor=principal.actor,
            reason=request.reason,
        )
    )
    await audit.record(
        session,
        actor=principal,
        action="move",
        entity_type="pilot",
        entity_id=pilot.id,
        changes={"stage": [str(current), str(target)], "kind": kind, "reason": request.reason},
    )
    await session.flush()
    return pilot


async def next_gate(session: AsyncSession, pilot: Pilot) -> NextGate:
    """What the next stage on the main path needs, met or not."""
    current = Stage(pilot.stage)
    upcoming = next_stage(current)
    moves = allowed_moves(current)
    if upcoming is None:
        return NextGate(
            stage=current,
            next_stage=None,
            ready=False,
            missing=[],
            requirements=[],
            allowed_moves=moves,
            note=f"{current} is a final stage.",
        )
    reqs = requirements(upcoming, await gate_facts(session, pilot))
    portfolio = None
    if upcoming in ACTIVE and current not in ACTIVE:
        active = len(await active_pilots(session, pilot.project_code, exclude=pilot.id))
        room = active < PORTFOLIO_MAX
        portfolio = {"active_count": active, "maximum": PORTFOLIO_MAX, "room": room}
        reqs.append(
            Requirement(
                code="portfolio_room",
                stage=upcoming,
                message=f"room in the portfolio (fewer than {PORTFOLIO_MAX} other pilots from approval onward)",
                met=room,
            )
        )
    missing = [r for r in reqs if not r.met]
    note = (
        f'POST /pilots/{pilot.id}/moves with {{"to": "{upcoming}"}}'
        if not missing
        else f"Before {upcoming}: " + "; ".join(r.message for r in missing) + "."
    )
    return NextGate(
        stage=current,
        next_stage=upcoming,
        ready=not missing,
        missing=missing,
        requirements=reqs,
        allowed_moves=moves,
        portfolio=portfolio,
        note=note,
    )


async def portfolio(session: AsyncSession, project: Project) -> Portfolio:
    pilots = (
        await session.exec(
            select(Pilot)
            .where(Pilot.project_code == project.code)
            .order_by(col(Pilot.created_at), col(Pilot.id))
        )
    ).all()
    sectors: dict[str, list[str]] = defaultdict(list)
    rows = await session.exec(
        select(PilotSector)
        .join(Pilot, col(Pilot.id) == col(PilotSector.pilot_id))
        .where(Pilot.project_code == project.code)
        .order_by(col(PilotSector.sector_code))
    )
    for row in rows:
        sectors[row.pilot_id].append(row.sector_code)
    by_stage = {str(s): 0 for s in Stage}
    for p in pilots:
        by_stage[p.stage] += 1
    active = sum(1 for p in pilots if Stage(p.stage) in ACTIVE)
    return Portfolio(
        project_code=project.code,
        by_stage=by_stage,
        active_count=active,
        minimum=PORTFOLIO_MIN,
        maximum=PORTFOLIO_MAX,
        minimum_met=active >= PORTFOLIO_MIN,
        maximum_ok=active <= PORTFOLIO_MAX,
        rule=PORTFOLIO_RULE,
        pilots=[
            PortfolioPilot(
                id=p.id,
                title=p.title,
                stage=Stage(p.stage),
                owner_id=p.owner_id,
                sectors=sectors[p.id],
                success_rating=p.success_rating,
            )
            for p in pilots
        ],
    )
