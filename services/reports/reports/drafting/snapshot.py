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

from hanke_libs.auth import Principal
from hanke_libs.personal import may_see_personal_data

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


# Who wrote a section or froze a version names a person: left out for callers who may not see
# personal data (steering reads the document without them; the frozen snapshot itself is unchanged).
AUTHOR_KEYS = frozenset({"updated_by", "frozen_by", "created_by"})


def for_viewer(snapshot: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """``snapshot`` as ``principal`` may see it: without authors for callers without personal data."""
    if may_see_personal_data(principal):
        return snapshot

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (None if k in AUTHOR_KEYS else strip(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    stripped: dict[str, Any] = strip(snapshot)
    return stripped
