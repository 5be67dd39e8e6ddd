"""The finance section: budget used against plan by year and by category, funding by source, own
funding against its caps (budget service, as of the report's day)."""

from __future__ import annotations

from typing import Any

from reports.document.blocks import Block, body, chart, link, num, provenance, table
from reports.document.i18n import CAP_STATUS, CATEGORIES, Text


def _year_rows(snap: dict[str, Any], t: Text, as_of: str) -> list[dict[str, Any]]:
    util = body(snap, "budget.utilisation") or {}
    code = snap["report"]["project_code"]
    rows: list[dict[str, Any]] = []
    for r in util.get("by_year", []):
        year = int(r["year"])
        to = min(f"{year}-12-31", as_of)
        rows.append(
            {
                "cells": [
                    str(year),
                    t.money(r["planned"]),
                    t.money(r["actual"]),
                    t.percent(r.get("utilisation_percent"), 2),
                ],
                "values": [num(r["planned"]), num(r["actual"])],
                "label": str(year),
                "link": link("budget", f"/projects/{code}/costs", date_from=f"{year}-01-01", date_to=to),
                "source": "budget.utilisation",
            }
        )
    return rows


def budget_by_year(snap: dict[str, Any], t: Text) -> Block | None:
    as_of = snap["report"]["as_of"]
    rows = _year_rows(snap, t, as_of)
    if not rows:
        return None
    spec = {
        "type": "bar",
        "categories": [r["label"] for r in rows],
        "series": [
            {"name": t("planned"), "values": [r["values"][0] for r in rows]},
            {"name": t("actual"), "values": [r["values"][1] for r in rows]},
        ],
        "unit": "€",
    }
    tab = table([t("year"), t("planned"), t("actual"), t("utilisation")], rows)
    return chart(
        "budget-by-year",
        t("chart_budget_year"),
        spec,
        tab,
        provenance(snap, "budget.utilisation"),
        t("sample_note"),
    )


def budget_by_category(snap: dict[str, Any], t: Text) -> Block | None:
    util = body(snap, "budget.utilisation") or {}
    code, as_of = snap["report"]["project_code"], snap["report"]["as_of"]
    rows: list[dict[str, Any]] = []
    for r in util.get("by_category", []):
        cat = r["category"]
        rows.append(
            {
                "cells": [
                    t.pick(CATEGORIES, cat),
                    t.money(r["planned"]),
                    t.money(r["actual"]),
                    t.percent(r.get("utilisation_percent"), 2),
                ],
                "values": [num(r["planned"]), num(r["actual"])],
                "label": t.pick(CATEGORIES, cat),
                "link": link(
                    "budget",
                    f"/projects/{code}/costs",
                    category="staff" if cat == "flat_rate" else cat,
                    date_to=as_of,
                ),
                "source": "budget.utilisation",
            }
        )
    if not rows:
        return None
    spec = {
        "type": "hbar",
        "categories": [r["label"] for r in rows],
        "series": [
            {"name": t("planned"), "values": [r["values"][0] for r in rows]},
            {"name": t("actual"), "values": [r["values"][1] for r in rows]},
        ],
        "unit": "€",
    }
    tab = table([t("category"), t("planned"), t("actual"), t("utilisation")], rows)
    return chart(
        "budget-by-category", t("chart_budget_category"), spec, tab, provenance(snap, "budget.utilisation")
    )


def funding(snap: dict[str, Any], t: Text) -> Block | None:
    fund = body(snap, "budget.funding") or {}
    code, as_of = snap["report"]["project_code"], snap["report"]["as_of"]
    rows: list[dict[str, Any]] = [
        {
            "cells": [
                s.get("name") or s["source"],
                t.percent(s.get("share_percent"), 2),
                t.money(s["planned"]),
                t.money(s["actual"]),
            ],
            "values": [num(s["planned"]), num(s["actual"])],
            "label": s.get("name") or s["source"],
            "link": link("budget", f"/projects/{code}/costs", date_to=as_of),
            "source": "budget.funding",
        }
        for s in fund.get("sources", [])
    ]
    if not rows:
        return None
    spec = {
        "type": "bar",
        "categories": [r["label"] for r in rows],
        "series": [
            {"name": t("planned"), "values": [r["values"][0] for r in rows]},
            {"name": t("actual"), "values": [r["values"][1] for r in rows]},
        ],
        "unit": "€",
    }
    tab = table([t("funding_source"), t("share"), t("planned"), t("actual")], rows)
    return chart("funding-by-source", t("chart_funding"), spec, tab, provenance(snap, "budget.funding"))


def implementer_names(snap: dict[str, Any]) -> dict[str, str]:
    project = body(snap, "budget.project") or {}
    return {i["business_id"]: i["name"] for i in project.get("implementers", []) if "business_id" in i}


def own_funding(snap: dict[str, Any], t: Text) -> Block | None:
    own = body(snap, "budget.own_funding") or {}
    names = implementer_names(snap)
    rows: list[dict[str, Any]] = []
    for c in own.get("caps", []):
        who = names.get(c["implementer"], c["implementer"])
        when = str(c["year"]) if c.get("year") else t("whole_period")
        rows.append(
            {
                "cells": [
                    who,
                    when,
                    t.money(c["cap"]),
                    t.money(c["actual"]),
                    t.pick(CAP_STATUS, c.get("status")),
                ],
                "values": [num(c["cap"]), num(c["actual"])],
                "label": f"{who.split()[0]} {when}",
                "status": c.get("status"),
                "link": c.get("ledger"),
                "source": "budget.own_funding",
            }
        )
    if not rows:
        return None
    spec = {
        "type": "hbar",
        "categories": [r["label"] for r in rows],
        "series": [
            {"name": t("cap"), "values": [r["values"][0] for r in rows]},
            {"name": t("actual"), "values": [r["values"][1] for r in rows]},
        ],
        "unit": "€",
    }
    tab = table([t("implementer"), t("period"), t("cap"), t("actual"), t("status")], rows)
    return chart("own-funding", t("chart_own_funding"), spec, tab, provenance(snap, "budget.own_funding"))


def blocks(snap: dict[str, Any], t: Text) -> list[Block]:
    return [
        b
        for b in (
            budget_by_year(snap, t),
            budget_by_category(snap, t),
            funding(snap, t),
            own_funding(snap, t),
        )
        if b
    ]
