"""Build the document model of a report from its snapshot, in one language.

Sections by kind: the interim evaluation, the monitoring and the final report have a summary,
finance, the four goals of the work packages, the impact assessment and the sources; the claim
cover summary has the claim, its funding and the sources. Narrative sections are keyed
``summary``, ``goal:1`` … ``goal:4``, ``pilot:<id>`` and ``impact``.
"""

from __future__ import annotations

from typing import Any

from reports.document import finance, people, pilots
from reports.document.blocks import (
    Block,
    as_of_notices,
    body,
    facts,
    link,
    missing_notices,
    narrative,
    paragraph,
    table,
)
from reports.document.i18n import Text

DECISION_REF = "Kh § 81/2019"
KINDS = ("interim_evaluation", "monitoring_report", "final_report", "claim_cover")


def narrative_keys(snapshot: dict[str, Any]) -> list[str]:
    """The narrative sections a report of this snapshot has room for."""
    if snapshot["report"]["kind"] == "claim_cover":
        return ["summary"]
    keys = ["summary", "goal:1", "goal:2", "goal:3", "goal:4", "impact"]
    return keys + [f"pilot:{pid}" for pid, _t, _s in pilots.pilot_titles(snapshot)]


def key_figures(snap: dict[str, Any], t: Text) -> Block:
    util = (body(snap, "budget.utilisation") or {}).get("total") or {}
    port = body(snap, "pilots.portfolio") or {}
    situation = body(snap, "participants.situation")
    code, as_of = snap["report"]["project_code"], snap["report"]["as_of"]
    rows = [
        {
            "label": t("kf_planned"),
            "value": t.money(util.get("planned")),
            "source": "budget.utilisation",
            "link": link("budget", f"/projects/{code}/figures/utilisation", as_of=as_of),
        },
        {
            "label": t("kf_actual"),
            "value": t.money(util.get("actual")),
            "source": "budget.utilisation",
            "link": link("budget", f"/projects/{code}/costs", date_to=as_of),
        },
        {
            "label": t("kf_utilisation"),
            "value": t.percent(util.get("utilisation_percent"), 2),
            "source": "budget.utilisation",
            "link": link("budget", f"/projects/{code}/figures/utilisation", as_of=as_of),
        },
        {
            "label": t("kf_active"),
            "value": str(port.get("active_count", "–")),
            "source": "pilots.portfolio",
            "link": link("pilots", f"/projects/{code}/portfolio", as_of=as_of),
        },
    ]
    if isinstance(situation, dict):
        count, hours = people.totals(situation)
        rows += [
            {
                "label": t("kf_champions"),
                "value": str(count),
                "source": "participants.situation",
                "link": link("participants", f"/projects/{code}/situation", as_of=as_of),
            },
            {
                "label": t("kf_hours"),
                "value": t.number(hours),
                "source": "participants.situation",
                "link": link("participants", f"/projects/{code}/coaching-totals", by="sector"),
            },
        ]
    return facts(rows)


def pilot_narratives(snap: dict[str, Any], t: Text) -> list[Block]:
    return [
        narrative(snap, t, f"pilot:{pid}", f"{t('pilot')}: {title}")
        for pid, title, _stage in pilots.pilot_titles(snap)
    ]


def claim_section(snap: dict[str, Any], t: Text) -> list[Block]:
    claim = body(snap, "budget.claim")
    if not isinstance(claim, dict):
        return missing_notices(snap, t, "budget.claim")
    rows = [
        {
            "label": t("claim"),
            "value": f"{claim.get('number')} ({claim.get('kind')})",
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("period"),
            "value": f"{t.date(claim.get('period_start'))}–{t.date(claim.get('period_end'))}",
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("claim_status"),
            "value": str(claim.get("status")),
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("entries"),
            "value": str(claim.get("entries")),
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("costs"),
            "value": t.money(claim.get("costs")),
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("flat_rate"),
            "value": t.money(claim.get("flat_rate")),
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("income"),
            "value": t.money(claim.get("income")),
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("eligible"),
            "value": t.money(claim.get("eligible")),
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
        {
            "label": t("claimable"),
            "value": t.money(claim.get("claimable_esr")),
            "source": "budget.claim",
            "link": claim.get("ledger"),
        },
    ]
    names = finance.implementer_names(snap)
    by_impl = [
        {
            "cells": [
                names.get(i["implementer"], i["implementer"]),
                str(i.get("entries")),
                t.money(i.get("eligible")),
            ],
            "link": claim.get("ledger"),
            "source": "budget.claim",
        }
        for i in claim.get("by_implementer", [])
    ]
    shares = [
        {
            "cells": [s.get("source", ""), t.money(s.get("amount"))],
            "link": claim.get("ledger"),
            "source": "budget.claim",
        }
        for s in claim.get("funding_shares", [])
    ]
    return [
        facts(rows),
        {"type": "table", "table": table([t("implementer"), t("entries"), t("eligible")], by_impl)},
        {"type": "table", "table": table([t("funding_source"), t("amount")], shares)},
    ]


def sources_table(snap: dict[str, Any], t: Text) -> Block:
    rows = []
    for sid, s in snap["sources"].items():
        params = ", ".join(f"{k}={v}" for k, v in (s.get("params") or {}).items()) or "–"
        rows.append(
            {
                "cells": [
                    s["service"],
                    s["endpoint"],
                    params,
                    t.date(s.get("as_of_stated")) if s.get("as_of_stated") else t("none"),
                ],
                "link": s.get("link"),
                "source": sid,
            }
        )
    return {
        "type": "table",
        "table": table([t("service"), t("endpoint"), t("parameters"), t("as_of_stated")], rows),
    }


def section(number: int, key: str, title: str, blocks: list[Block]) -> dict[str, Any]:
    return {"id": key, "number": str(number), "title": title, "blocks": blocks}


def sections(snap: dict[str, Any], t: Text) -> list[dict[str, Any]]:
    kind = snap["report"]["kind"]
    if kind == "claim_cover":
        parts = [
            ("claim", t("claim"), [narrative(snap, t, "summary", t("overview")), *claim_section(snap, t)]),
            ("finance", t("chart_funding"), [b for b in (finance.funding(snap, t),) if b]),
        ]
    else:
        lead = [paragraph(t("interim_lead"))] if kind == "interim_evaluation" else []
        parts = [
            (
                "summary",
                t("summary"),
                [*lead, key_figures(snap, t), narrative(snap, t, "summary", t("overview"))],
            ),
            (
                "finance",
                t("finance"),
                [
                    *as_of_notices(snap, t, "budget."),
                    *missing_notices(snap, t, "budget."),
                    *finance.blocks(snap, t),
                ],
            ),
            (
                "goal-1",
                t("goal1"),
                [
                    *missing_notices(snap, t, "participants."),
                    *people.goal1(snap, t),
                    narrative(snap, t, "goal:1", t("goal_progress")),
                ],
            ),
            (
                "goal-2",
                t("goal2"),
                [*people.goal2(snap, t), narrative(snap, t, "goal:2", t("goal_progress"))],
            ),
            (
                "goal-3",
                t("goal3"),
                [
                    *as_of_notices(snap, t, "pilots."),
                    *missing_notices(snap, t, "pilots."),
                    *pilots.blocks(snap, t),
                    narrative(snap, t, "goal:3", t("goal_progress")),
                    *pilot_narratives(snap, t),
                ],
            ),
            ("goal-4", t("goal4"), [narrative(snap, t, "goal:4", t("goal_progress"))]),
            ("impact", t("impact"), [narrative(snap, t, "impact", t("impact_text"))]),
        ]
    parts.append(("sources", t("sources"), [sources_table(snap, t)]))
    return [section(n, key, title, blocks) for n, (key, title, blocks) in enumerate(parts, 1)]


def build(snap: dict[str, Any], lang: str) -> dict[str, Any]:
    """The document of ``snap`` in ``lang`` (``fi`` or ``en``)."""
    t = Text(lang)
    report = snap["report"]
    project = body(snap, "budget.project") or {}
    version = snap.get("version")
    status = (
        t("frozen", n=version["number"], at=t.date(version["frozen_at"]), by=version.get("frozen_by") or "–")
        if version
        else f"{t('draft')} {t.date(snap['drafted_at'])}"
    )
    period = ""
    if report.get("period_start") and report.get("period_end"):
        period = f"{t.date(report['period_start'])}–{t.date(report['period_end'])}"
    return {
        "lang": t.lang,
        "kind": report["kind"],
        "title": report.get("title") or t(report["kind"]),
        "kind_label": t(report["kind"]),
        "project_code": report["project_code"],
        "project_name": project.get("name", report["project_code"]),
        "programme": project.get("programme", ""),
        "funder": project.get("funder", ""),
        "decision_ref": DECISION_REF,
        "decision_text": t("decision_text"),
        "as_of_label": t("as_of"),
        "as_of": t.date(report["as_of"]),
        "period_label": t("period"),
        "period": period,
        "status": status,
        "labels": {
            k: t(k) for k in ("contents", "page", "source", "rows", "decision", "missing", "written_by")
        },
        "sections": sections(snap, t),
        "missing": [
            t("missing_part", service=m["service"], source=m["source"], reason=m["reason"])
            for m in snap.get("missing", [])
        ],
    }
