"""Blocks of the document model and the helpers the section builders share."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hanke_libs.links import gateway_prefix
from reports.document.i18n import Text

Block = dict[str, Any]


def num(value: Any) -> float | None:
    """A figure as a float for drawing only (tables show the services' exact values)."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def body(snapshot: dict[str, Any], source_id: str) -> Any:
    source = snapshot["sources"].get(source_id)
    return source.get("body") if source else None


def link(service: str, path: str, **params: Any) -> str:
    """A path-absolute link through the gateway to rows that explain a figure."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return gateway_prefix(service) + path + (f"?{query}" if query else "")


def provenance(snapshot: dict[str, Any], source_id: str) -> dict[str, Any]:
    s = snapshot["sources"].get(source_id) or {}
    return {
        "source": source_id,
        "service": s.get("service"),
        "endpoint": s.get("endpoint"),
        "params": s.get("params"),
        "link": s.get("link"),
    }


def paragraph(text: str) -> Block:
    return {"type": "paragraph", "text": text}


def notice(text: str) -> Block:
    return {"type": "notice", "text": text}


def facts(rows: list[dict[str, Any]]) -> Block:
    return {"type": "facts", "rows": rows}


def table(columns: list[str], rows: list[dict[str, Any]], caption: str = "") -> dict[str, Any]:
    """``rows``: ``{"cells": [...], "link": explain-link, "source": source id}``."""
    return {"caption": caption, "columns": columns, "rows": rows}


def chart(
    chart_id: str,
    title: str,
    spec: dict[str, Any],
    tab: dict[str, Any],
    source: dict[str, Any],
    note: str = "",
) -> Block:
    return {
        "type": "chart",
        "id": chart_id,
        "title": title,
        "chart": spec,
        "table": tab,
        "source": source,
        "note": note,
    }


def narrative(snapshot: dict[str, Any], t: Text, key: str, title: str) -> Block:
    for section in snapshot.get("narrative", []):
        if section["key"] == key:
            return {
                "type": "narrative",
                "key": key,
                "title": section.get("title") or title,
                "text": section["text"],
                "by": section.get("updated_by") or "–",
                "at": section.get("updated_at"),
            }
    return {"type": "narrative", "key": key, "title": title, "text": "", "empty": t("narrative_missing")}


def as_of_notices(snapshot: dict[str, Any], t: Text, prefix: str) -> list[Block]:
    """A notice for each source under ``prefix`` that answered without confirming the as-of date."""
    out: list[Block] = []
    seen: set[str] = set()
    for sid, s in snapshot["sources"].items():
        wanted = (s.get("params") or {}).get("as_of")
        if not sid.startswith(prefix) or not wanted or s.get("error") or s.get("as_of_stated") == wanted:
            continue
        key = s["endpoint"]
        if key in seen:
            continue
        seen.add(key)
        out.append(
            notice(t("as_of_not_stated", service=s["service"], as_of=t.date(wanted), source=s["endpoint"]))
        )
    return out


def missing_notices(snapshot: dict[str, Any], t: Text, prefix: str) -> list[Block]:
    return [
        notice(t("missing_part", service=m["service"], source=m["source"], reason=m["reason"]))
        for m in snapshot.get("missing", [])
        if m["source"].startswith(prefix)
    ]
