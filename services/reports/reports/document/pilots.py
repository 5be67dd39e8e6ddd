"""Goal 3: the pilot portfolio by stage and decision, and indicator progress to target with
traffic lights (pilots service, as of the report's day)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reports.document.blocks import Block, body, chart, link, num, provenance, table
from reports.document.i18n import STAGES, Text

OPEN_STAGES = ("idea", "planned", "approved", "running", "evaluated")
# Traffic light of an indicator from the pilots service's progress_percent (baseline -> target).
GREEN_FROM, YELLOW_FROM = Decimal("66.7"), Decimal("33.3")
LIGHT_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828", "grey": "#9e9e9e"}


def decision(stage: str) -> str:
    return stage if stage in ("established", "discontinued") else "open"


def light(progress: Any) -> str:
    if progress in (None, ""):
        return "grey"
    p = Decimal(str(progress))
    return "green" if p >= GREEN_FROM else "yellow" if p >= YELLOW_FROM else "red"


def portfolio(snap: dict[str, Any], t: Text) -> Block | None:
    data = body(snap, "pilots.portfolio")
    if not isinstance(data, dict):
        return None
    code = snap["report"]["project_code"]
    by_stage = data.get("by_stage", {})
    rows: list[dict[str, Any]] = [
        {
            "cells": [t.pick(STAGES, stage), str(by_stage.get(stage, 0)), t(decision(stage))],
            "values": [num(by_stage.get(stage, 0))],
            "label": t.pick(STAGES, stage),
            "decision": decision(stage),
            "link": link("pilots", f"/projects/{code}/pilots", stage=stage),
            "source": "pilots.portfolio",
        }
        for stage in (*OPEN_STAGES, "established", "discontinued")
    ]
    colours = {"open": "#1f5fa6", "established": "#2e7d32", "discontinued": "#9e9e9e"}
    spec = {
        "type": "bar",
        "categories": [r["label"] for r in rows],
        "series": [{"name": t("pilots"), "values": [r["values"][0] for r in rows]}],
        "colors": [colours[r["decision"]] for r in rows],
        "legend": [{"name": t(k), "color": c} for k, c in colours.items()],
        "unit": "",
        "integer": True,
    }
    tab = table([t("stage"), t("pilots"), t("decision_col")], rows)
    return chart("pilot-portfolio", t("chart_portfolio"), spec, tab, provenance(snap, "pilots.portfolio"))


def pilot_titles(snap: dict[str, Any]) -> list[tuple[str, str, str]]:
    data = body(snap, "pilots.portfolio") or {}
    return [
        (str(p["id"]), str(p.get("title", p["id"])), str(p.get("stage", ""))) for p in data.get("pilots", [])
    ]


def indicators(snap: dict[str, Any], t: Text) -> Block | None:
    rows: list[dict[str, Any]] = []
    for pid, title, _stage in pilot_titles(snap):
        data = body(snap, f"pilots.indicators.{pid}") or {}
        for ind in data.get("items", []):
            latest = ind.get("latest") or {}
            colour = light(ind.get("progress_percent"))
            unit = ind.get("unit", "")
            rows.append(
                {
                    "cells": [
                        title,
                        ind.get("name", ""),
                        f"{t.number(ind.get('baseline'), 1)} {unit}",
                        f"{t.number(ind.get('target'), 1)} {unit}",
                        f"{t.number(latest.get('value'), 1)} {unit}" if latest else "–",
                        t.date(latest.get("measured_on")),
                        t.percent(ind.get("progress_percent")),
                        t(colour),
                    ],
                    "values": [num(ind.get("progress_percent"))],
                    "label": f"{title}: {ind.get('name', '')}",
                    "light": colour,
                    "link": link("pilots", f"/pilots/{pid}/measurements", indicator_id=ind.get("id")),
                    "source": f"pilots.indicators.{pid}",
                }
            )
    if not rows:
        return None
    spec = {
        "type": "hbar",
        "categories": [r["label"] for r in rows],
        "series": [{"name": t("progress"), "values": [r["values"][0] for r in rows]}],
        "colors": [LIGHT_COLOURS[r["light"]] for r in rows],
        "legend": [{"name": t(k), "color": c} for k, c in LIGHT_COLOURS.items()],
        "unit": "%",
        "reference": 100.0,
    }
    columns = [
        t("pilot"),
        t("indicator"),
        t("baseline"),
        t("target"),
        t("latest"),
        t("measured_on"),
        t("progress"),
        t("light"),
    ]
    first = next((s for s in snap["sources"] if s.startswith("pilots.indicators.")), "pilots.portfolio")
    return chart(
        "indicator-progress",
        t("chart_indicators"),
        spec,
        table(columns, rows),
        provenance(snap, first),
        t("light_rule"),
    )


def blocks(snap: dict[str, Any], t: Text) -> list[Block]:
    return [b for b in (portfolio(snap, t), indicators(snap, t)) if b]
