"""Exports of the portfolio and of a pilot's full record as tables (CSV and XLSX).

CSV of a pilot's record is one long table ``section;item;field;value`` so every part fits in one
file; XLSX has one sheet per section with its own columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from pilots import establishment_ops, measurement_io
from pilots.indicator_ops import indicators_public
from pilots.lifecycle import ACTIVE
from pilots.models import (
    Establishment,
    EstablishmentPilot,
    FrozenChange,
    Pilot,
    Project,
    StageChange,
    TimelinePost,
)
from pilots.pilot_ops import to_public
from pilots.stage_ops import portfolio

Table = tuple[Sequence[str], list[list[Any]]]
PORTFOLIO_COLUMNS = [
    "id",
    "title",
    "stage",
    "counts_toward_rule",
    "owner_id",
    "sectors",
    "success_rating",
]


async def portfolio_tables(session: AsyncSession, project: Project) -> dict[str, Table]:
    view = await portfolio(session, project)
    pilots = [
        [p.id, p.title, str(p.stage), p.stage in ACTIVE, p.owner_id, ", ".join(p.sectors), p.success_rating]
        for p in view.pilots
    ]
    summary: list[list[Any]] = [
        ["project_code", view.project_code],
        *[[f"stage:{stage}", count] for stage, count in view.by_stage.items()],
        ["active_count", view.active_count],
        ["minimum_met", view.minimum_met],
        ["maximum_ok", view.maximum_ok],
        ["rule", view.rule],
    ]
    return {"portfolio": (PORTFOLIO_COLUMNS, pilots), "summary": (["key", "value"], summary)}


async def pilot_tables(session: AsyncSession, principal: Principal, pilot: Pilot) -> dict[str, Table]:
    """Every part of the pilot's record that the caller may see."""
    detail = await to_public(session, pilot, await indicators_public(session, principal, pilot))
    data = detail.model_dump(mode="json", exclude={"indicators", "hypothesis", "sectors", "traffic_lights"})
    fields: list[list[Any]] = [[k, ", ".join(v) if isinstance(v, list) else v] for k, v in data.items()]
    fields.insert(3, ["sectors", ", ".join(s.code for s in detail.sectors)])
    fields += [[f"hypothesis.{k}", v] for k, v in detail.hypothesis.model_dump(mode="json").items()]
    fields += [[f"traffic_light.{k}", str(v)] for k, v in detail.traffic_lights.items()]
    indicators = [
        [
            i.id,
            i.kind,
            i.name,
            i.unit,
            i.numeric,
            i.survey_based,
            str(i.direction),
            i.baseline,
            i.target,
            i.latest.value if i.latest else None,
            i.progress_percent,
            i.measurement_count,
            i.hidden_measurements,
        ]
        for i in detail.indicators
    ]
    history = (
        await session.exec(
            select(StageChange)
            .where(StageChange.pilot_id == pilot.id)
            .order_by(col(StageChange.at), col(StageChange.id))
        )
    ).all()
    frozen = (
        await session.exec(
            select(FrozenChange)
            .where(FrozenChange.pilot_id == pilot.id)
            .order_by(col(FrozenChange.at), col(FrozenChange.id))
        )
    ).all()
    posts = (
        await session.exec(
            select(TimelinePost)
            .where(TimelinePost.pilot_id == pilot.id)
            .order_by(col(TimelinePost.posted_on), col(TimelinePost.created_at), col(TimelinePost.id))
        )
    ).all()
    records = (
        await session.exec(
            select(Establishment)
            .join(EstablishmentPilot, col(EstablishmentPilot.establishment_id) == col(Establishment.id))
            .where(EstablishmentPilot.pilot_id == pilot.id)
            .order_by(col(Establishment.created_at), col(Establishment.id))
        )
    ).all()
    establishments = []
    for r in records:
        pub = await establishment_ops.to_public(session, r)
        establishments.append(
            [
                pub.id,
                pub.practice,
                str(pub.anchor_kind),
                pub.anchor_name,
                pub.decision_date,
                pub.decision_reference,
                str(pub.status),
                ", ".join(pub.pilot_ids),
            ]
        )
    return {
        "pilot": (["field", "value"], fields),
        "indicators": (
            [
                "id",
                "kind",
                "name",
                "unit",
                "numeric",
                "survey_based",
                "direction",
                "baseline",
                "target",
                "latest_value",
                "progress_percent",
                "measurement_count",
                "hidden_measurements",
            ],
            indicators,
        ),
        "measurements": (measurement_io.COLUMNS, await measurement_io.export_rows(session, principal, pilot)),
        "stage_history": (
            ["at", "from_stage", "to_stage", "kind", "actor", "reason"],
            [[h.at, h.from_stage, h.to_stage, h.kind, h.actor, h.reason] for h in history],
        ),
        "frozen_changes": (
            ["at", "entity", "field", "old_value", "new_value", "reason", "actor"],
            [[f.at, f.entity, f.field, f.old_value, f.new_value, f.reason, f.actor] for f in frozen],
        ),
        "timeline": (
            ["posted_on", "author_id", "text", "links"],
            [[p.posted_on, p.author_id, p.text, " ".join(p.links)] for p in posts],
        ),
        "establishments": (
            [
                "id",
                "practice",
                "anchor_kind",
                "anchor_name",
                "decision_date",
                "decision_reference",
                "status",
                "pilot_ids",
            ],
            establishments,
        ),
    }


def long_rows(tables: dict[str, Table]) -> Table:
    """One ``section;item;field;value`` table from several (item = row number, or the field name)."""
    rows: list[list[Any]] = []
    for section, (header, body) in tables.items():
        for n, row in enumerate(body, start=1):
            if list(header) == ["field", "value"]:
                rows.append([section, "", row[0], row[1]])
            else:
                rows += [[section, n, h, v] for h, v in zip(header, row, strict=True)]
    return ["section", "item", "field", "value"], rows
