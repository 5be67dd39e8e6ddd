"""Reading the other services for a report: concurrent calls as the caller, a timeout on each
(the peer client's) and one deadline for the whole draft, every answer recorded with its provenance.

A recorded answer (a *source*) says which service, endpoint and parameters it came from, the link
that shows it through the gateway, whether the service stated the as-of date it answered for, and
the body with links rewritten to gateway paths and personal identifiers removed. A call that fails
is recorded with its error and never raises: the report says which part is missing and why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from hanke_libs.auth import Principal
from hanke_libs.links import API_PREFIX, gateway_prefix, map_links
from hanke_libs.peers import PeerClient, PeerUnavailable

# Identifiers of people: a report shows aggregates and titles, never who.
PERSONAL_KEYS = frozenset(
    {"owner_id", "person_id", "person_ids", "author_id", "created_by", "submitted_by", "actor", "email"}
)
Progress = Callable[[str], None]


def gateway_link(service: str, path: str, params: dict[str, str] | None = None) -> str:
    """The path-absolute link through the gateway to ``path`` of ``service``."""
    query = "?" + urlencode(params) if params else ""
    return gateway_prefix(service) + path + query


def public_body(value: Any, service: str) -> Any:
    """``value`` with the service's own links as gateway links and personal identifiers dropped."""
    prefix = gateway_prefix(service)

    def public(link: str) -> str:
        return link if link.startswith(API_PREFIX + "/") else prefix + link

    return map_links(value, public, PERSONAL_KEYS)


def path_of(template: str, **values: Any) -> str:
    return template.format(**{k: quote(str(v), safe="") for k, v in values.items()})


class Collector:
    """The upstream calls of one draft, each recorded as a source."""

    def __init__(
        self,
        peers: dict[str, PeerClient],
        principal: Principal,
        *,
        deadline_seconds: float,
        progress: Progress | None = None,
    ) -> None:
        self.peers = peers
        self.principal = principal
        self.deadline = time.monotonic() + deadline_seconds
        self.progress = progress or (lambda _msg: None)
        self.sources: dict[str, dict[str, Any]] = {}

    async def fetch(
        self, source_id: str, service: str, endpoint: str, params: dict[str, str] | None = None, **path: Any
    ) -> dict[str, Any]:
        """GET ``endpoint`` (a path template) of ``service``; the recorded source (never raises)."""
        target = path_of(endpoint, **path)
        record: dict[str, Any] = {
            "id": source_id,
            "service": service,
            "endpoint": endpoint,
            "path": target,
            "params": dict(params or {}),
            "link": gateway_link(service, target, params),
            "status": None,
            "as_of_stated": None,
            "error": None,
            "body": None,
        }
        self.sources[source_id] = record
        remaining = self.deadline - time.monotonic()
        started = time.perf_counter()
        try:
            if remaining <= 0:
                raise TimeoutError
            answer = await asyncio.wait_for(
                self.peers[service].get(target, self.principal, params=params), remaining
            )
        except TimeoutError:
            record["error"] = "deadline: the draft's deadline passed before the answer came"
        except PeerUnavailable as exc:
            record["error"] = f"unavailable: {exc.detail}"
        else:
            record["status"] = answer.status
            if answer.ok:
                body = public_body(answer.body, service)
                record["body"] = body
                if isinstance(body, dict) and body.get("as_of") is not None:
                    record["as_of_stated"] = str(body["as_of"])[:10]
            else:
                detail = answer.body.get("detail") if isinstance(answer.body, dict) else None
                kind = {401: "unauthorized", 403: "forbidden", 404: "not found"}.get(
                    answer.status, "rejected"
                )
                record["error"] = f"{kind}: {detail}" if detail else kind
        self.progress(
            f"{service} {target}{'?' + urlencode(params) if params else ''}: "
            f"{record['status'] or record['error']} ({(time.perf_counter() - started) * 1000:.0f} ms)"
        )
        return record

    def missing(self) -> list[dict[str, Any]]:
        return [
            {"source": s["id"], "service": s["service"], "reason": s["error"], "status": s["status"]}
            for s in self.sources.values()
            if s["error"]
        ]
