"""A report's snapshot: the report's identity, every source it was drafted from and its narrative.

A frozen version stores exactly this, as canonical JSON text (sorted keys, no whitespace), with its
SHA-256; documents are rendered from it alone, so a frozen version renders the same bytes whatever
the live data does later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

SCHEMA = 1


def report_header(report: Any) -> dict[str, Any]:
    return {
        "id": report.id,
        "project_code": report.project_code,
        "kind": report.kind,
        "title": report.title,
        "as_of": report.as_of.isoformat(),
        "period_start": report.period_start.isoformat() if report.period_start else None,
        "period_end": report.period_end.isoformat() if report.period_end else None,
        "claim_number": report.claim_number,
    }


def narrative(sections: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "title": s.title,
            "text": s.text,
            "updated_by": s.updated_by,
            "updated_at": s.updated_at.isoformat(),
        }
        for s in sorted(sections, key=lambda s: s.key)
    ]


def make(
    *,
    header: dict[str, Any],
    sources: dict[str, dict[str, Any]],
    sections: list[dict[str, Any]],
    drafted_at: dt.datetime,
    version: dict[str, Any] | None = None,
) -> dict[str, Any]:
    missing = [
        {"source": s["id"], "service": s["service"], "reason": s["error"], "status": s["status"]}
        for s in sources.values()
        if s.get("error")
    ]
    return {
        "schema": SCHEMA,
        "report": header,
        "drafted_at": drafted_at.isoformat(),
        "version": version,
        "sources": dict(sorted(sources.items())),
        "narrative": sections,
        "missing": sorted(missing, key=lambda m: m["source"]),
    }


def canonical(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
