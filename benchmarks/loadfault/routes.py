"""The routes the workload uses, checked against the gateway's merged ``/openapi.json`` before the
load starts: a route renamed or removed elsewhere stops the run with its name, instead of turning
into a stream of 404s. The write routes the document has and the workload does not exercise are
listed in the report."""

from __future__ import annotations

import re

import httpx

USED = {
    ("GET", "/api/v1/budget/projects/{}/summary"),
    ("GET", "/api/v1/budget/projects/{}/costs"),
    ("POST", "/api/v1/budget/projects/{}/costs"),
    ("GET", "/api/v1/budget/projects/{}/costs/{}"),
    ("PATCH", "/api/v1/budget/projects/{}/costs/{}"),
    ("POST", "/api/v1/budget/projects/{}/admin/summaries/check"),
    ("GET", "/api/v1/pilots/projects/{}/pilots"),
    ("POST", "/api/v1/pilots/projects/{}/pilots"),
    ("GET", "/api/v1/pilots/pilots/{}"),
    ("PATCH", "/api/v1/pilots/pilots/{}"),
    ("GET", "/api/v1/pilots/pilots/{}/timeline"),
    ("POST", "/api/v1/pilots/pilots/{}/timeline"),
    ("GET", "/api/v1/pilots/projects/{}/portfolio"),
    ("GET", "/api/v1/participants/coaching-events"),
    ("POST", "/api/v1/participants/coaching-events"),
    ("GET", "/api/v1/participants/projects/{}/coaching-totals"),
    ("GET", "/api/v1/views/projects/{}/situation"),
    ("GET", "/api/v1/views/pilots/{}/overview"),
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented(gateway: str, token: str) -> set[tuple[str, str]]:
    answer = httpx.get(f"{gateway}/openapi.json", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    answer.raise_for_status()
    return {
        (method.upper(), _template(path))
        for path, ops in answer.json().get("paths", {}).items()
        for method in ops
        if method.upper() in {"GET", *WRITE_METHODS}
    }


def check(gateway: str, token: str) -> list[str]:
    """The write routes the workload leaves out; raises when a route it uses is not documented."""
    routes = documented(gateway, token)
    missing = sorted(USED - routes)
    if missing:
        raise RuntimeError(
            "the gateway's /openapi.json no longer has routes the workload uses (update "
            f"benchmarks/loadfault/workload.py): {missing}"
        )
    return sorted(f"{m} {p}" for m, p in routes - USED if m in WRITE_METHODS)
