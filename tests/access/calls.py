"""How the matrix test turns a row of an access table into a request: path parameters from the
world (side A), the query parameters a route requires, a body for writes, If-Match where needed."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import httpx

from tests.access.matrix import Rule
from tests.access.world import PROJECT, World

PREFIX = {
    "budget": "/api/v1/budget",
    "pilots": "/api/v1/pilots",
    "participants": "/api/v1/participants",
    "reports": "/api/v1/reports",
    "gateway": "",
}
PARAM = re.compile(r"{([a-z_]+)}")
SIMPLE = {
    "code": PROJECT,
    "project_code": PROJECT,
    "schema_id": "urn:ietf:params:scim:schemas:core:2.0:User",
    "name": "User",
    "key": "summary",
}
# Query parameters some routes require, and ones that keep document routes quick (JSON, no charts).
QUERY = {"project_code": PROJECT, "a": "1", "b": "2", "format": "json", "ended_before": "2000-01-01"}
# Bodies of writes, by (method, path): plausible, so a refusal means the caller, not the input.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/pilots/{pilot_id}/timeline"): {"text": "Matriisin merkintä"},
    ("PATCH", "/pilots/{pilot_id}"): {"title": "Matriisi"},
    ("POST", "/projects/{code}/costs"): {
        "entry_date": "2021-06-01",
        "category": "purchased_services",
        "amount": "1.00",
        "voucher_ref": "MATRIX-NEG",
    },
    ("PATCH", "/projects/{code}/costs/{entry_id}"): {"description": "Matriisi"},
    ("POST", "/projects/{code}/claims"): {"period_start": "2023-01-01", "period_end": "2023-01-31"},
    ("POST", "/projects/{code}/claims/{number}/status"): {"status": "submitted"},
    ("POST", "/champions"): {"person_id": "x", "project_code": PROJECT},
    ("PUT", "/pilots/{pilot_id}/reflections/{question_id}"): {"text": "Matriisi"},
    ("PUT", "/reports/{report_id}/narrative/{key}"): {"text": "Matriisi"},
    ("POST", "/projects/{code}/reports"): {"kind": "monitoring_report"},
}


def value(world: World, name: str, path: str, identity: str | None) -> str | None:
    """The side-A value of path parameter ``name`` in ``path`` (own person for person routes)."""
    if name == "code" and path.startswith("/frameworks/"):
        return world.ids["framework"]
    if name in SIMPLE:
        return SIMPLE[name]
    if name in ("person_id", "user_id"):
        return world.person.get(identity or "", world.person["champion"])
    if name == "number":
        if "/claims/" in path:
            return world.ids["claim"]
        return "1" if path.startswith("/reports/") else world.ids["version"]
    if name == "decision_id":
        return world.ids["decision_id@budget" if "/versions/" in path else "decision_id@pilots"]
    return world.ids.get(name)


def target(world: World, rule: Rule, identity: str | None, person: str | None = None) -> str | None:
    """The service path of ``rule`` with side-A values (or ``person`` for person parameters)."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        found = (
            person if person and name in ("person_id", "user_id") else value(world, name, rule.path, identity)
        )
        if found is None:
            missing.append(name)
            return match.group(0)
        return found

    path = PARAM.sub(fill, rule.path)
    return None if missing else path


def required_query(operation: dict[str, Any] | None) -> tuple[dict[str, str], list[str]]:
    """The query the operation needs (values from QUERY) and the required names nobody knows."""
    params: dict[str, str] = {}
    unknown: list[str] = []
    for p in (operation or {}).get("parameters", []):
        if p.get("in") != "query":
            continue
        if p["name"] == "format":
            # JSON where offered (quick), else the first format the route serves (CSV / XLSX exports)
            offered = _enum(p.get("schema", {}))
            params["format"] = "json" if not offered or "json" in offered else offered[0]
        elif p["name"] in QUERY:
            params[p["name"]] = QUERY[p["name"]]
        elif p.get("required"):
            unknown.append(p["name"])
    return params, unknown


def _enum(schema: dict[str, Any]) -> list[str]:
    if "enum" in schema:
        return [str(v) for v in schema["enum"]]
    for part in schema.get("anyOf", []) + schema.get("allOf", []):
        found = _enum(part)
        if found:
            return found
    return []


def visible_text(response: httpx.Response) -> str:
    """What a person reading the answer sees: text, or the XML inside an XLSX/DOCX."""
    ctype = response.headers.get("content-type", "")
    if "spreadsheetml" in ctype or "wordprocessingml" in ctype:
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    if ctype.startswith("application/pdf"):
        return ""  # compressed streams; the same figures are checked in the JSON and HTML forms
    return response.text
