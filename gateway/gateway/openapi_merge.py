"""One OpenAPI document for the whole API: the gateway's own views plus each service's paths.

Each upstream's ``/openapi.json`` is fetched asynchronously, cached, and fetched again when it is
missing (rate limited) or older than ``openapi_cache_seconds``. Paths move under the gateway's
prefixes, tags and operation ids get the service's name, and components are merged so that a
generated client gets one class per schema:

- identical definitions are shared; a name two services define differently gets the service's
  prefix in its key and its ``title`` (``ProjectPublic`` -> ``BudgetProjectPublic`` and
  ``PilotsProjectPublic``), with every ``$ref`` rewritten; any title still shared afterwards is
  replaced by its (unique) key;
- the services' bearer security schemes are one scheme, the gateway's own;
- operation ids are unique (a clash gets a number), and the services' response ``links``
  (hanke_libs.openapi_links) follow their targets' new ids;
- the SCIM endpoints, which the participants service describes by SCIM discovery only, are
  described by :mod:`gateway.scim_openapi` unless the participants document has them.

A service that cannot be reached leaves its part out and the document's description says so.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from typing import Any

from gateway.config import BY_NAME, SERVICES, Settings
from gateway.scim_openapi import scim_part
from gateway.upstreams import UpstreamError, Upstreams
from hanke_libs.openapi_links import rename_link_targets

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
BEARER_SCHEME = "HTTPBearer"


def gateway_path(service: str, path: str) -> str:
    """The gateway path of a service's path (``/projects`` -> ``/api/v1/budget/projects``)."""
    return BY_NAME[service].public_path(path)


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


def prefixed(service: str, name: str) -> str:
    """``ProjectPublic`` of ``budget`` -> ``BudgetProjectPublic``."""
    return service[:1].upper() + service[1:] + name


def plan_renames(
    own: dict[str, Any], parts: dict[str, dict[str, Any]]
) -> dict[str, dict[tuple[str, str], str]]:
    """For each service, which component names must get its prefix (repeated to a fixed point,
    because renaming ``Project`` makes ``Page_Project_`` differ too). Security schemes are not
    renamed: they are unified (:func:`_bearer_schemes`)."""
    renames: dict[str, dict[tuple[str, str], str]] = {svc: {} for svc in parts}
    own_components = own.get("components", {})
    changed = True
    while changed:
        changed = False
        for ctype in COMPONENT_TYPES:
            if ctype == "securitySchemes":
                continue
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
                    renames[svc][(ctype, name)] = prefixed(svc, name)
                    changed = True
    return renames


def _is_bearer(scheme: Any) -> bool:
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "http"
        and str(scheme.get("scheme")).lower() == "bearer"
    )


def _bearer_schemes(doc: dict[str, Any], part: dict[str, Any]) -> dict[str, str]:
    """The part's security scheme names -> the merged document's: every bearer scheme becomes the
    gateway's one (``HTTPBearer``); another kind keeps its name unless it clashes."""
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    names: dict[str, str] = {}
    for name, scheme in part.get("components", {}).get("securitySchemes", {}).items():
        if _is_bearer(scheme):
            bearer = next((n for n, s in schemes.items() if _is_bearer(s)), None)
            if bearer is None:
                schemes[BEARER_SCHEME] = scheme
                bearer = BEARER_SCHEME
            names[name] = bearer
        else:
            target = name
            while target in schemes and schemes[target] != scheme:
                target += "_"
            schemes[target] = scheme
            names[name] = target
    return names


def _retitle(schemas: dict[str, Any], renamed: dict[str, str]) -> None:
    """Renamed schemas get the service's prefix in their title too; then any title two schemas
    still share is replaced by the key (keys are unique)."""
    for new, service in renamed.items():
        schema = schemas.get(new)
        if isinstance(schema, dict):
            base = schema.get("title") or new[len(service) :]
            schema["title"] = prefixed(service, str(base))
    seen: set[str] = set()
    for key, schema in schemas.items():
        if not isinstance(schema, dict):
            continue
        title = str(schema.get("title") or key)
        if title in seen:
            schema["title"] = key
            title = key
        seen.add(title)


def _operations(paths: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in paths.values() for m, op in item.items() if m in METHODS and isinstance(op, dict)]


def merge(own: dict[str, Any], parts: dict[str, dict[str, Any]], missing: dict[str, str]) -> dict[str, Any]:
    """The gateway's own document with the services' ``parts`` merged in; ``missing`` notes the
    services whose part could not be fetched (name -> reason)."""
    doc = copy.deepcopy(own)
    components = doc.setdefault("components", {})
    paths = doc.setdefault("paths", {})
    tags = doc.setdefault("tags", [])
    tag_names = {t["name"] for t in tags}
    renames = plan_renames(own, parts)
    renamed: dict[str, str] = {}  # new schema name -> its service's prefix
    operation_ids = {op["operationId"] for op in _operations(paths) if "operationId" in op}

    def add_tag(tag: dict[str, Any]) -> None:
        if tag["name"] not in tag_names:
            tags.append(tag)
            tag_names.add(tag["name"])

    def add_operation(operation: dict[str, Any], schemes: dict[str, str]) -> None:
        if "operationId" in operation:
            op_id, n = operation["operationId"], 2
            while op_id in operation_ids:
                op_id, n = f"{operation['operationId']}_{n}", n + 1
            operation["operationId"] = op_id
            operation_ids.add(op_id)
        if "security" in operation:
            operation["security"] = [
                {schemes.get(name, name): scopes for name, scopes in requirement.items()}
                for requirement in operation["security"]
            ]

    for svc in SERVICES:
        if svc not in parts:
            continue
        part = _rewrite_refs(parts[svc], renames[svc])
        schemes = _bearer_schemes(doc, part)
        for ctype in COMPONENT_TYPES:
            if ctype == "securitySchemes":
                continue
            for name, definition in part.get("components", {}).get(ctype, {}).items():
                target = renames[svc].get((ctype, name), name)
                components.setdefault(ctype, {}).setdefault(target, definition)
                if target != name and ctype == "schemas":
                    renamed[target] = prefixed(svc, "")
        for tag in part.get("tags", []):
            if tag.get("name") not in SKIPPED_TAGS:
                add_tag({**tag, "name": f"{svc}: {tag['name']}"})
        new_ids: dict[str, str] = {}
        service_paths: dict[str, Any] = {}
        for path, item in part.get("paths", {}).items():
            if path in SKIPPED_PATHS:
                continue
            new_item = {}
            for method, operation in item.items():
                if method in METHODS and isinstance(operation, dict):
                    operation = dict(operation)
                    operation["tags"] = [f"{svc}: {t}" for t in operation.get("tags", [])] or [svc]
                    for name in operation["tags"]:
                        add_tag({"name": name})
                    old_id = operation.get("operationId")
                    if old_id:
                        operation["operationId"] = f"{svc}_{old_id}"
                    add_operation(operation, schemes)
                    if old_id:
                        new_ids[old_id] = operation["operationId"]
                new_item[method] = operation
            service_paths[gateway_path(svc, path)] = new_item
        rename_link_targets(service_paths, new_ids)
        paths.update(service_paths)
    if "participants" in parts and not any(p.startswith("/scim/v2/") for p in paths):
        scim = scim_part()
        add_tag(scim["tags"][0])
        for name, schema in scim["components"]["schemas"].items():
            components.setdefault("schemas", {}).setdefault(name, schema)
        bearer = {
            BEARER_SCHEME: next(
                (n for n, s in components.get("securitySchemes", {}).items() if _is_bearer(s)), BEARER_SCHEME
            )
        }
        for path, item in scim["paths"].items():
            for operation in item.values():
                add_operation(operation, bearer)
            paths[path] = item
    _retitle(components.get("schemas", {}), renamed)
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
