"""One OpenAPI document for the whole API: the gateway's own views plus each service's paths.

Each upstream's ``/openapi.json`` is fetched asynchronously, cached, and fetched again when it is
missing (rate limited) or older than ``openapi_cache_seconds``. Paths move under the gateway's
prefixes, tags and operation ids get the service's name, and components are merged: identical
definitions are shared, clashing names get the service's prefix (``pilots_Page``) with every
``$ref`` rewritten. A service that cannot be reached leaves its part out and the document's
description says so.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from typing import Any

from gateway.config import Settings
from gateway.upstreams import SERVICES, UpstreamError, Upstreams

# (upstream path prefix, gateway path prefix) per service, most specific first.
PATH_MAP: dict[str, list[tuple[str, str]]] = {
    "budget": [("", "/api/v1/budget")],
    "pilots": [("", "/api/v1/pilots")],
    "participants": [("/scim/v2", "/scim/v2"), ("", "/api/v1/participants")],
    "reports": [("", "/api/v1/reports")],
}
SKIPPED_PATHS = frozenset({"/livez", "/readyz", "/openapi.json", "/docs", "/redoc"})
SKIPPED_TAGS = frozenset({"health"})
COMPONENT_TYPES = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
)
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def gateway_path(service: str, path: str) -> str:
    for upstream_prefix, prefix in PATH_MAP[service]:
        if not upstream_prefix:
            return prefix + path
        if path == upstream_prefix or path.startswith(upstream_prefix + "/"):
            return prefix + path[len(upstream_prefix) :]
    raise ValueError(path)  # pragma: no cover - the last entry maps everything


def _rewrite_refs(value: Any, renames: dict[tuple[str, str], str]) -> Any:
    """A copy of ``value`` with ``#/components/<type>/<name>`` refs renamed."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith("#/components/"):
                _, _, ctype, name = item.split("/", 3)
                new = renames.get((ctype, name))
                out[key] = f"#/components/{ctype}/{new}" if new else item
            else:
                out[key] = _rewrite_refs(item, renames)
        return out
    if isinstance(value, list):
        return [_rewrite_refs(v, renames) for v in value]
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def plan_renames(
    own: dict[str, Any], parts: dict[str, dict[str, Any]]
) -> dict[str, dict[tuple[str, str], str]]:
    """For each service, which component names must get its prefix (repeated to a fixed point,
    because renaming ``Project`` makes ``Page_Project_`` differ too)."""
    renames: dict[str, dict[tuple[str, str], str]] = {svc: {} for svc in parts}
    own_components = own.get("components", {})
    changed = True
    while changed:
        changed = False
        for ctype in COMPONENT_TYPES:
            own_defs = {n: _canonical(d) for n, d in own_components.get(ctype, {}).items()}
            seen: dict[str, dict[str, str]] = {}
            for svc, doc in parts.items():
                for name, definition in doc.get("components", {}).get(ctype, {}).items():
                    if (ctype, name) in renames[svc]:
                        continue
                    seen.setdefault(name, {})[svc] = _canonical(_rewrite_refs(definition, renames[svc]))
            for name, by_service in seen.items():
                distinct = set(by_service.values())
                if name in own_defs:
                    clashing = [s for s, d in by_service.items() if d != own_defs[name]]
                elif len(distinct) > 1:
                    clashing = list(by_service)
                else:
                    clashing = []
                for svc in clashing:
                    renames[svc][(ctype, name)] = f"{svc}_{name}"
                    changed = True
    return renames


def merge(own: dict[str, Any], parts: dict[str, dict[str, Any]], missing: dict[str, str]) -> dict[str, Any]:
    """The gateway's own document with the services' ``parts`` merged in; ``missing`` notes the
    services whose part could not be fetched (name -> reason)."""
    doc = copy.deepcopy(own)
    components = doc.setdefault("components", {})
    paths = doc.setdefault("paths", {})
    tags = doc.setdefault("tags", [])
    tag_names = {t["name"] for t in tags}
    renames = plan_renames(own, parts)
    for svc in SERVICES:
        if svc not in parts:
            continue
        part = _rewrite_refs(parts[svc], renames[svc])
        for ctype in COMPONENT_TYPES:
            for name, definition in part.get("components", {}).get(ctype, {}).items():
                target = renames[svc].get((ctype, name), name)
                components.setdefault(ctype, {}).setdefault(target, definition)
        for tag in part.get("tags", []):
            if tag.get("name") in SKIPPED_TAGS:
                continue
            name = f"{svc}: {tag['name']}"
            if name not in tag_names:
                tags.append({**tag, "name": name})
                tag_names.add(name)
        for path, item in part.get("paths", {}).items():
            if path in SKIPPED_PATHS:
                continue
            new_item = {}
            for method, operation in item.items():
                if method in METHODS and isinstance(operation, dict):
                    operation = dict(operation)
                    op_tags = [f"{svc}: {t}" for t in operation.get("tags", [])] or [svc]
                    operation["tags"] = op_tags
                    for name in op_tags:
                        if name not in tag_names:
                            tags.append({"name": name})
                            tag_names.add(name)
                    if "operationId" in operation:
                        operation["operationId"] = f"{svc}_{operation['operationId']}"
                new_item[method] = operation
            paths[gateway_path(svc, path)] = new_item
    if missing:
        notes = "; ".join(f"{svc} ({reason})" for svc, reason in sorted(missing.items()))
        doc["info"]["description"] = (
            doc["info"].get("description", "")
            + f"\n\n**Incomplete document**: the paths of these services are missing because their "
            f"OpenAPI could not be fetched just now: {notes}. Reload later."
        )
    doc["x-hanke-missing-services"] = sorted(missing)
    return doc


class OpenApiCache:
    """The upstreams' documents, fetched concurrently and cached, and the merged result."""

    def __init__(self, upstreams: Upstreams, settings: Settings) -> None:
        self.upstreams = upstreams
        self.settings = settings
        self.docs: dict[str, dict[str, Any]] = {}
        self.errors: dict[str, str] = {}
        self._fetched_at: dict[str, float] = {}
        self._tried_at: dict[str, float] = {}
        self._merged: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    def _due(self, svc: str, now: float) -> bool:
        if svc not in self.docs:
            return now - self._tried_at.get(svc, -1e9) >= self.settings.openapi_retry_seconds
        return now - self._fetched_at[svc] >= self.settings.openapi_cache_seconds

    async def _fetch(self, svc: str) -> None:
        now = time.monotonic()
        self._tried_at[svc] = now
        try:
            resp = await self.upstreams[svc].request(
                "GET", "/openapi.json", timeout_seconds=min(5.0, self.settings.upstream_timeout_seconds)
            )
            if resp.status != 200:
                raise ValueError(f"HTTP {resp.status}")
            doc = resp.json()
            if not isinstance(doc, dict) or "paths" not in doc:
                raise ValueError("not an OpenAPI document")
        except (UpstreamError, ValueError) as exc:
            if svc not in self.docs:  # keep a cached document when a refresh fails
                self.errors[svc] = exc.reason if isinstance(exc, UpstreamError) else str(exc)
            return
        self.docs[svc] = doc
        self._fetched_at[svc] = now
        self.errors.pop(svc, None)

    async def document(self, own: dict[str, Any]) -> dict[str, Any]:
        """The merged document, fetching what is missing or stale first."""
        async with self._lock:
            now = time.monotonic()
            due = [svc for svc in SERVICES if self._due(svc, now)]
            if due:
                await asyncio.gather(*(self._fetch(svc) for svc in due))
            missing = {svc: self.errors.get(svc, "not fetched") for svc in SERVICES if svc not in self.docs}
            key = (id(own), tuple(self._fetched_at.get(s) for s in SERVICES), tuple(sorted(missing.items())))
            if self._merged is None or self._merged[0] != key:
                self._merged = (key, merge(own, self.docs, missing))
            return self._merged[1]
