"""Exports as tables (CSV and XLSX), built from the same scoped reads as the JSON answers.

Columns that hold personal data (person ids, person-written text) are dropped for callers who may
not see personal data (``steering``), with the same field markers as the JSON (``PersonalField``).
A pilot's record in CSV is one long table ``section;item;field;value``; in XLSX one sheet per section.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hanke_libs.personal import may_see_personal_data, personal_fields, redact_rows
from hanke_libs.tabular import Sheet
from pilots.establishment import service as establishment
from pilots.establishment.schemas import EstablishmentPublic
from pilots.gates import decisions, facts
from pilots.gates.portfolio import portfolio
from pilots.gates.schemas import FrozenChangePublic, GateDecisionPublic, PortfolioPilot, StageChangePublic
from pilots.indicators import measurement_io
from pilots.indicators.schemas import IndicatorPublic
from pilots.learning import service as learning
from pilots.learning.schemas import ReflectionPublic
from pilots.models import Project
from pilots.pilots import bodies, repository
from pilots.pilots import service as pilots_service
from pilots.pilots.repository import ScopedPilot
from pilots.pilots.schemas import HypothesisPublic, PilotPublic
from pilots.scope import Scope
from pilots.timeline import service as timeline
from pilots.timeline.schemas import TimelinePostPublic

Table = tuple[Sequence[str], list[list[Any]]]
PORTFOLIO_COLUMNS = [
    "id",
    "title",
    "stage",
    "counts_toward_rule",
    "not_counted_reason",
    "owner_id",
    "sectors",
    "success_rating",
    "latest_decision",
]


def _table(
    scope: Scope, columns: Sequence[str], rows: Iterable[Sequence[Any]], personal: Iterable[str]
) -> Table:
    header, body = redact_rows(scope.principal, columns, rows, personal)
    return header, body


async def portfolio_tables(scope: Scope, project: Project) -> dict[str, Table]:
    view = await portfolio(scope, project)
    pilots = [
        [
            p.id,
            p.title,
            str(p.stage),
            p.counts_toward_rule,
            p.not_counted_reason,
            p.owner_id,
            ", ".join(p.sectors),
            p.success_rating,
            p.latest_decision,
        ]
        for p in view.pilots
    ]
    summary: list[list[Any]] = [
        ["project_code", view.project_code],
        *[[f"stage:{stage}", count] for stage, count in view.by_stage.items()],
        ["active_count", view.active_count],
        ["approved_or_later", view.approved_or_later],
        ["minimum_met", view.minimum_met],
        ["maximum_ok", view.maximum_ok],
        ["rule", view.rule],
    ]
    decided = [
        [d.pilot_id, d.title, str(d.gate), d.outcome, d.decided_on, d.reference, str(d.decision_body)]
        for d in view.decisions
    ]
    return {
        "portfolio": _table(scope, PORTFOLIO_COLUMNS, pilots, personal_fields(PortfolioPilot)),
        "decisions": (
            ["pilot_id", "title", "gate", "outcome", "decided_on", "reference", "decision_body"],
            decided,
        ),
        "summary": (["key", "value"], summary),
    }


def _field_rows(scope: Scope, detail: PilotPublic) -> list[list[Any]]:
    hidden = set() if may_see_personal_data(scope.principal) else personal_fields(PilotPublic)
    hidden_hyp = set() if may_see_personal_data(scope.principal) else personal_fields(HypothesisPublic)
    data = detail.model_dump(
        mode="json",
        exclude={
            "indicators",
            "hypothesis",
            "sectors",
            "traffic_lights",
            "latest_decision",
            "as_of",
            "as_of_note",
            *hidden,
        },
    )
    fields: list[list[Any]] = [[k, ", ".join(v) if isinstance(v, list) else v] for k, v in data.items()]
    fields.insert(3, ["sectors", ", ".join(s.code for s in detail.sectors)])
    fields += [
        [f"hypothesis.{k}", v]
        for k, v in detail.hypothesis.model_dump(mode="json").items()
        if k not in hidden_hyp
    ]
    fields += [[f"traffic_light.{k}", str(v)] for k, v in detail.traffic_lights.items()]
    return fields


async def pilot_tables(scope: Scope, found: ScopedPilot) -> dict[str, Table]:
    """Every part of the pilot's record that the caller may see."""
    detail = await bodies.to_public(scope, found)
    indicator_columns = [
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
        "traffic_light",
        "measurement_count",
        "hidden_measurements",
    ]
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
            i.traffic_light,
            i.measurement_count,
            i.hidden_measurements,
        ]
        for i in detail.indicators
    ]
    history, _ = await facts.history(scope, found, offset=0, limit=10_000)
    frozen = await pilots_service.frozen_changes(scope, found, offset=0, limit=10_000)
    posts = await timeline.all_for(scope, found)
    records = [await establishment.to_public(scope, r) for r in await establishment.for_pilot(scope, found)]
    decided = [
        decisions.to_public(scope, d)
        for d in (await decisions.list_for(scope, found, offset=0, limit=10_000))[0]
    ]
    reflections = await learning.reflections(scope, found)
    return {
        "pilot": (["field", "value"], _field_rows(scope, detail)),
        "indicators": _table(scope, indicator_columns, indicators, personal_fields(IndicatorPublic)),
        "measurements": _table(
            scope, measurement_io.COLUMNS, await measurement_io.export_rows(scope, found), {"narrative"}
        ),
        "stage_history": _table(
            scope,
            ["effective_on", "at", "from_stage", "to_stage", "kind", "actor", "reason", "decision_id"],
            [
                [h.effective_on, h.at, h.from_stage, h.to_stage, h.kind, h.actor, h.reason, h.decision_id]
                for h in history
            ],
            personal_fields(StageChangePublic),
        ),
        "decisions": _decision_table(scope, [(detail.title, detail.stage, d) for d in decided]),
        "reflections": _reflection_table(scope, [(found.id, detail.title, r) for r in reflections]),
        "frozen_changes": _table(
            scope,
            ["at", "entity", "field", "old_value", "new_value", "reason", "actor"],
            [[f.at, f.entity, f.field, f.old_value, f.new_value, f.reason, f.actor] for f in frozen],
            personal_fields(FrozenChangePublic),
        ),
        "timeline": _table(
            scope,
            ["posted_on", "author_id", "text", "links"],
            [[p.posted_on, p.author_id, p.text, " ".join(p.links)] for p in posts],
            personal_fields(TimelinePostPublic),
        ),
        "establishments": _table(
            scope,
            [
                "id",
                "practice",
                "description",
                "anchor_kind",
                "anchor_name",
                "decision_date",
                "decision_reference",
                "status",
                "pilot_ids",
            ],
            [
                [
                    r.id,
                    r.practice,
                    r.description,
                    str(r.anchor_kind),
                    r.anchor_name,
                    r.decision_date,
                    r.decision_reference,
                    str(r.status),
                    ", ".join(r.pilot_ids),
                ]
                for r in records
            ],
            personal_fields(EstablishmentPublic),
        ),
    }


DECISION_COLUMNS = [
    "pilot_id",
    "pilot_title",
    "stage",
    "gate",
    "outcome",
    "decided_on",
    "reference",
    "decision_body",
    "success_rating",
    "reasoning",
    "evidence",
    "decided_by",
]
REFLECTION_COLUMNS = [
    "pilot_id",
    "pilot_title",
    "gate",
    "question_code",
    "question_fi",
    "question_en",
    "private",
    "answered",
    "answer",
    "answered_by",
    "answered_at",
]


def _decision_table(scope: Scope, items: list[tuple[str, Any, GateDecisionPublic]]) -> Table:
    rows = [
        [
            d.pilot_id,
            title,
            str(stage),
            str(d.gate),
            d.outcome,
            d.decided_on,
            d.reference,
            str(d.decision_body),
            d.success_rating,
            d.reasoning,
            " ".join(e.ref for e in d.evidence or []),
            d.decided_by,
        ]
        for title, stage, d in items
    ]
    return _table(scope, DECISION_COLUMNS, rows, personal_fields(GateDecisionPublic))


def _reflection_table(scope: Scope, items: list[tuple[str, str, ReflectionPublic]]) -> Table:
    rows = [
        [
            pid,
            title,
            str(r.gate),
            r.code,
            r.text_fi,
            r.text_en,
            r.private,
            r.answered,
            r.answer,
            r.answered_by,
            r.answered_at,
        ]
        for pid, title, r in items
        if r.answered
    ]
    return _table(scope, REFLECTION_COLUMNS, rows, personal_fields(ReflectionPublic))


async def learning_tables(scope: Scope, project: Project) -> dict[str, Table]:
    """What the project's pilots learned: decisions and reflection answers, per pilot the caller reads."""
    found, _ = await repository.list_in_project(scope, project.code)
    decided: list[tuple[str, Any, GateDecisionPublic]] = []
    answered: list[tuple[str, str, ReflectionPublic]] = []
    for pilot in found:
        rows, _ = await decisions.list_for(scope, pilot, offset=0, limit=10_000)
        decided += [(pilot.row.title, pilot.row.stage, decisions.to_public(scope, d)) for d in rows]
        answered += [(pilot.id, pilot.row.title, r) for r in await learning.reflections(scope, pilot)]
    return {"decisions": _decision_table(scope, decided), "reflections": _reflection_table(scope, answered)}


def learning_csv(scope: Scope, sheets: dict[str, Table]) -> Table:
    """Decisions and reflections in one table: record;pilot_id;pilot_title;gate;item;text;date;reference."""
    rows: list[list[Any]] = []
    for record, (header, body) in sheets.items():
        index = {h: i for i, h in enumerate(header)}

        def get(row: list[Any], key: str, index: dict[str, int] = index) -> Any:
            return row[index[key]] if key in index else None

        for row in body:
            if record == "decisions":
                rows.append(
                    [
                        record,
                        get(row, "pilot_id"),
                        get(row, "pilot_title"),
                        get(row, "gate"),
                        get(row, "outcome"),
                        get(row, "reasoning"),
                        get(row, "decided_on"),
                        get(row, "reference"),
                    ]
                )
            else:
                rows.append(
                    [
                        record,
                        get(row, "pilot_id"),
                        get(row, "pilot_title"),
                        get(row, "gate"),
                        get(row, "question_en"),
                        get(row, "answer"),
                        get(row, "answered_at"),
                        None,
                    ]
                )
    header = ["record", "pilot_id", "pilot_title", "gate", "item", "text", "date", "reference"]
    return _table(scope, header, rows, {"text"})  # text: reasoning or answer, written by people


def sheets(tables: dict[str, Table]) -> list[Sheet]:
    """The tables as sheets for ``hanke_libs.tabular`` (one XLSX sheet each, text neutralised)."""
    return [Sheet(name=name, columns=list(header), rows=rows) for name, (header, rows) in tables.items()]


def sheet(name: str, table: Table) -> Sheet:
    return Sheet(name=name, columns=list(table[0]), rows=table[1])


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
