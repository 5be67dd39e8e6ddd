"""A pilot as the API gives it: ``GET /pilots/{id}``'s body (from the ORM row, or from the hot
read's columns, pilots.pilots.hot_detail) and a pilot's summary in lists."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlmodel import col, select

from hanke_libs.links import public_url
from hanke_libs.problems import NotFound
from pilots.gates import decisions, facts
from pilots.gates.portfolio import AS_OF_NOTE
from pilots.gates.schemas import GateDecisionPublic
from pilots.indicators.lights import TRAFFIC_LIGHT_RULE
from pilots.indicators.reads import indicators_public
from pilots.indicators.schemas import IndicatorPublic
from pilots.models import EstablishmentPilot, Pilot
from pilots.pilots import repository
from pilots.pilots.repository import ScopedPilot
from pilots.pilots.schemas import HypothesisPublic, PilotPublic, PilotSummary, SectorRef
from pilots.scope import Scope
from pilots.types import Stage

# The hypothesis' fields and their columns; the columns the body carries as they are.
HYPOTHESIS_COLUMNS = {
    "action": "hypothesis_action",
    "group": "hypothesis_group",
    "group_size": "hypothesis_group_size",
    "outcome": "hypothesis_outcome",
    "outcome_percent": "hypothesis_outcome_percent",
    "time_frame": "hypothesis_time_frame",
}
PLAIN_FIELDS = (
    "title",
    "need",
    "description",
    "owner_id",
    "customer_groups",
    "customer_involvement_method",
    "customers_involved",
    "start_date",
    "end_date",
    "riskiest_assumption",
    "what_happened",
    "conclusion",
    "next_step",
    "success_rating",
    "traffic_lights",
)


def hypothesis_public(p: Pilot | SimpleNamespace) -> HypothesisPublic:
    hyp = HypothesisPublic(**{k: getattr(p, c) for k, c in HYPOTHESIS_COLUMNS.items()})
    if all(
        v is not None
        for v in (hyp.action, hyp.group, hyp.group_size, hyp.outcome, hyp.outcome_percent, hyp.time_frame)
    ):
        hyp.statement = (
            f"We believe that {hyp.action} with at least {hyp.group_size} of {hyp.group} results in at least "
            f"{hyp.outcome_percent} % {hyp.outcome} within {hyp.time_frame}."
        )
    return hyp


def href(scope: Scope, pilot_id: str) -> str:
    return public_url(scope.settings, f"/pilots/{pilot_id}")


async def to_public(scope: Scope, found: ScopedPilot, as_of: dt.date | None = None) -> PilotPublic:
    """The pilot as the caller may see it; stage, indicators and decision as of ``as_of`` if given
    (404 when the pilot did not exist yet on that day)."""
    pilot = found.row
    stage = Stage(pilot.stage)
    if as_of is not None:
        stages = await facts.stages_on(scope, [pilot.id], as_of)
        if pilot.id not in stages:
            raise NotFound(
                f"Pilot {pilot.id} did not exist yet on {as_of}.",
                slug="pilot-not-found-as-of",
                as_of=str(as_of),
            )
        stage = stages[pilot.id]
    sectors = await repository.sectors(scope, found)
    est = (
        await scope.session.exec(
            select(EstablishmentPilot.establishment_id)
            .where(EstablishmentPilot.pilot_id == pilot.id)
            .order_by(col(EstablishmentPilot.establishment_id))
        )
    ).all()
    latest = await facts.latest_evaluation(scope, pilot.id, as_of)
    return public_of(
        scope,
        pilot,
        stage=stage,
        sectors=[SectorRef(code=s.code, name_fi=s.name_fi, name_en=s.name_en) for s in sectors],
        establishment_ids=list(est),
        frozen=await facts.is_frozen(scope, pilot),
        indicators=await indicators_public(scope, found, as_of),
        latest=decisions.to_public(scope, latest) if latest else None,
        as_of=as_of,
    )


def public_of(
    scope: Scope,
    pilot: Pilot | SimpleNamespace,
    *,
    stage: Stage,
    sectors: list[SectorRef],
    establishment_ids: list[str],
    frozen: bool,
    indicators: list[IndicatorPublic],
    latest: GateDecisionPublic | None,
    as_of: dt.date | None,
) -> PilotPublic:
    """The body of ``GET /pilots/{id}`` from the pilot's row (an ORM object or the hot read's
    columns) and what was read with it (pilots.pilots.hot_detail)."""
    return PilotPublic(
        **{k: getattr(pilot, k) for k in PLAIN_FIELDS},
        id=pilot.id,
        project_code=pilot.project_code,
        sectors=sectors,
        hypothesis=hypothesis_public(pilot),
        stage=stage,
        frozen=frozen,
        version=pilot.version,
        created_at=pilot.created_at,
        updated_at=pilot.updated_at,
        indicators=indicators,
        traffic_light_rule=TRAFFIC_LIGHT_RULE,
        latest_decision=latest,
        establishment_ids=establishment_ids,
        as_of=as_of,
        as_of_note=AS_OF_NOTE if as_of else None,
        href=href(scope, pilot.id),
    )


def summary(
    scope: Scope, p: Pilot | SimpleNamespace, sectors: list[str], stage: Stage | None = None
) -> PilotSummary:
    """A pilot in a list, from its row (an ORM object or the hot read's columns)."""
    return PilotSummary(
        id=p.id,
        project_code=p.project_code,
        title=p.title,
        stage=stage or Stage(p.stage),
        owner_id=p.owner_id,
        sectors=sectors,
        success_rating=p.success_rating,
        start_date=p.start_date,
        end_date=p.end_date,
        version=p.version,
        href=href(scope, p.id),
    )
