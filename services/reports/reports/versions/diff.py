"""What differs between two frozen versions of a report, as a reader sees it: each shown figure
(a key figure or a table cell, named by its section, table and row) and each narrative section,
plus which upstream answers differ."""

from __future__ import annotations

from typing import Any

from reports.document.build import build


def _cells(doc: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in doc["sections"]:
        if section["id"] == "sources":
            continue
        for block in section["blocks"]:
            if block["type"] == "facts":
                for r in block["rows"]:
                    out[f"{section['title']} / {r['label']}"] = r["value"]
            elif block["type"] in ("chart", "table"):
                tab = block["table"]
                name = block.get("title") or ", ".join(tab["columns"][:2])
                for r in tab["rows"]:
                    row = r["cells"][0]
                    for column, cell in zip(tab["columns"][1:], r["cells"][1:], strict=False):
                        out[f"{section['title']} / {name} / {row} / {column}"] = cell
    return out


def compare(a: dict[str, Any], b: dict[str, Any], lang: str = "fi") -> dict[str, Any]:
    ca, cb = _cells(build(a, lang)), _cells(build(b, lang))
    changed = [
        {"where": key, "a": ca.get(key), "b": cb.get(key)}
        for key in list(dict.fromkeys([*ca, *cb]))
        if ca.get(key) != cb.get(key)
    ]
    na = {s["key"]: s for s in a.get("narrative", [])}
    nb = {s["key"]: s for s in b.get("narrative", [])}
    narrative = [
        {"key": key, "a": (na.get(key) or {}).get("text"), "b": (nb.get(key) or {}).get("text")}
        for key in sorted(set(na) | set(nb))
        if (na.get(key) or {}).get("text") != (nb.get(key) or {}).get("text")
    ]
    sources = sorted(
        sid
        for sid in set(a["sources"]) | set(b["sources"])
        if (a["sources"].get(sid) or {}).get("body") != (b["sources"].get(sid) or {}).get("body")
    )
    return {"changed": changed, "narrative": narrative, "sources_changed": sources}
