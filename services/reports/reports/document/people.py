"""Goals 1 and 2 from the participants service: the competence baseline against the latest round
by sector, maturity by sector, champions and coaching hours over time.

The small-group rule is the participants service's: a group under 10 respondents comes back
``suppressed`` with no mean, and is drawn as a gap labelled so, never computed here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reports.document.blocks import Block, body, chart, link, num, provenance, table
from reports.document.i18n import Text


def _mean(row: dict[str, Any] | None, t: Text) -> tuple[str, float | None]:
    """A round's mean as the participants service gave it: a suppressed group stays suppressed."""
    if row is None:
        return "–", None
    if row.get("suppressed"):
        return t("suppressed"), None
    return t.number(row.get("mean")), num(row.get("mean"))


def competence(snap: dict[str, Any], t: Text) -> Block | None:
    """Per sector: the baseline round's mean and the latest round's mean, each the participants
    service's round aggregate (``competence``), and the change from its ``competence_change``."""
    data = body(snap, "participants.situation") or {}
    rounds = {(r.get("framework"), r.get("sector"), r.get("round")): r for r in data.get("competence", [])}
    rows: list[dict[str, Any]] = []
    for r in data.get("competence_change", []):
        key = (r.get("framework"), r.get("sector"))
        base_text, base = _mean(rounds.get((*key, r.get("baseline_round"))), t)
        latest_row = rounds.get((*key, r.get("latest_round"))) if r.get("latest_round") else None
        latest_text, latest = _mean(latest_row, t)
        rows.append(
            {
                "cells": [
                    r.get("sector", ""),
                    r.get("framework", ""),
                    base_text,
                    latest_text,
                    "–" if r.get("suppressed") or r.get("change") is None else t.number(r.get("change")),
                    str(r.get("latest_round") or "–"),
                ],
                "values": [base, latest],
                "label": str(r.get("sector", "")),
                "suppressed": base_text == t("suppressed"),
                "link": snap["sources"]["participants.situation"]["link"],
                "source": "participants.situation",
            }
        )
    if not rows:
        return None
    spec = {
        "type": "bar",
        "categories": [r["label"] for r in rows],
        "series": [
            {"name": t("baseline"), "values": [r["values"][0] for r in rows]},
            {"name": t("latest"), "values": [r["values"][1] for r in rows]},
        ],
        "annotations": [t("suppressed") if r["suppressed"] else "" for r in rows],
        "unit": "",
    }
    columns = [t("sector"), t("framework"), t("baseline_mean"), t("latest_mean"), t("change"), t("round")]
    return chart(
        "competence-by-sector",
        t("chart_competence"),
        spec,
        table(columns, rows),
        provenance(snap, "participants.situation"),
        t("small_group_note"),
    )


def maturity(snap: dict[str, Any], t: Text) -> Block | None:
    data = body(snap, "participants.situation") or {}
    items = data.get("maturity_by_sector", [])
    if not items:
        return None
    sectors = list(dict.fromkeys(str(m["sector"]) for m in items))
    rounds = list(dict.fromkeys(str(m["round"]) for m in items))
    mean = {(str(m["sector"]), str(m["round"])): m.get("mean") for m in items}
    rows: list[dict[str, Any]] = [
        {
            "cells": [str(m["sector"]), str(m["round"]), str(m.get("units", "")), t.number(m.get("mean"))],
            "link": snap["sources"]["participants.situation"]["link"],
            "source": "participants.situation",
        }
        for m in items
    ]
    spec = {
        "type": "bar",
        "categories": sectors,
        "series": [{"name": r, "values": [num(mean.get((s, r))) for s in sectors]} for r in rounds],
        "unit": "",
    }
    columns = [t("sector"), t("round"), t("units"), t("mean")]
    return chart(
        "maturity-by-sector",
        t("chart_maturity"),
        spec,
        table(columns, rows),
        provenance(snap, "participants.situation"),
    )


def timeline_points(snap: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(date, source id, situation body) for each quarter's end and the report's day, in date order."""
    points = []
    for sid, source in snap["sources"].items():
        if sid == "participants.situation" or sid.startswith("participants.situation@"):
            if isinstance(source.get("body"), dict):
                points.append((source["params"].get("as_of", ""), sid, source["body"]))
    return sorted(points)


def totals(situation: dict[str, Any]) -> tuple[int, Decimal]:
    rows = situation.get("champions_by_sector", [])
    return (
        sum(int(r.get("champions") or 0) for r in rows),
        sum((Decimal(str(r.get("coaching_hours") or 0)) for r in rows), Decimal("0")),
    )


def champions(snap: dict[str, Any], t: Text) -> Block | None:
    points = timeline_points(snap)
    if not points:
        return None
    code = snap["report"]["project_code"]
    rows: list[dict[str, Any]] = []
    for day, sid, situation in points:
        count, hours = totals(situation)
        rows.append(
            {
                "cells": [t.date(day), str(count), t.number(hours)],
                "values": [float(count), float(hours)],
                "label": t.date(day),
                "link": link("participants", f"/projects/{code}/situation", as_of=day),
                "source": sid,
            }
        )
    spec = {
        "type": "combo",
        "categories": [r["label"] for r in rows],
        "series": [
            {"name": t("champions"), "values": [r["values"][0] for r in rows]},
            {"name": t("coaching_hours"), "values": [r["values"][1] for r in rows], "axis": "right"},
        ],
        "unit": "",
    }
    columns = [t("date"), t("champions"), t("coaching_hours")]
    return chart(
        "champions-over-time",
        t("chart_champions"),
        spec,
        table(columns, rows),
        provenance(snap, "participants.situation"),
    )


def champions_by_sector(snap: dict[str, Any], t: Text) -> Block | None:
    data = body(snap, "participants.situation") or {}
    code = snap["report"]["project_code"]
    rows: list[dict[str, Any]] = [
        {
            "cells": [str(r["sector"]), str(r.get("champions", 0)), t.number(r.get("coaching_hours"))],
            "link": link("participants", f"/projects/{code}/coaching-totals", by="sector"),
            "source": "participants.situation",
        }
        for r in data.get("champions_by_sector", [])
    ]
    if not rows:
        return None
    return {"type": "table", "table": table([t("sector"), t("champions"), t("coaching_hours")], rows)}


def goal1(snap: dict[str, Any], t: Text) -> list[Block]:
    return [b for b in (competence(snap, t), maturity(snap, t)) if b]


def goal2(snap: dict[str, Any], t: Text) -> list[Block]:
    return [b for b in (champions(snap, t), champions_by_sector(snap, t)) if b]
