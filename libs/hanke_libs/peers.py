"""Facts a rule needs that another service owns, asked for over HTTP as the caller.

A service decides on its own objects, but some rules need a fact another service owns: the
pilots service must know which pilots a champion follows (participants owns enrolments), the
participants and budget services must know who owns a pilot (pilots owns pilots). The deciding
service asks the owning one with the caller's own bearer token forwarded, so the owner applies
its own access rules to the same caller, and keeps the answer for a few seconds
(``peer_cache_seconds``, default 5): an ended enrolment stops access within that time. See
``docs/adr/0001-cross-service-facts.md``.

Public surface::

    PeerClient          one pooled async client per peer service, with a timeout on every call
    PeerAnswer          status and JSON body of an answer
    PeerUnavailable     503 problem: the peer is down, timed out or answered 5xx / not JSON
    peer(request, name) the app's client for ``name`` (built in the lifespan from settings)

Every call is counted in ``hanke_upstream_requests_total`` (``hanke_libs.metrics``) by outcome.
Only 2xx, 403 and 404 answers are cached (they are facts); errors are never cached, so a peer
that comes back is used at once. Concurrent identical look-ups share one request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import Request

from hanke_libs import metrics
from hanke_libs.auth import Principal
from hanke_libs.observability import current_request_id
from hanke_libs.problems import UpstreamProblem

CACHED_STATUSES = frozenset({200, 201, 203, 204, 403, 404, 410})


class PeerUnavailable(UpstreamProblem):
    """A fact could not be fetched from the service that owns it (the rule cannot be decided)."""

    status, slug, title = 503, "peer-unavailable", "A service this answer depends on is unavailable"


@dataclass(frozen=True)
class PeerAnswer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class PeerClient:
    """Calls one peer service as the caller; answers are cached for ``cache_seconds``."""

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        timeout_seconds: float = 3.0,
        cache_seconds: float = 5.0,
        max_entries: int = 10_000,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.cache_seconds = cache_seconds
        self.max_entries = max_entries
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_seconds),
            transport=transport,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
        self._cache: dict[str, tuple[float, PeerAnswer]] = {}
        self._inflight: dict[str, asyncio.Future[PeerAnswer]] = {}

    @property
    def http(self) -> httpx.AsyncClient:
        """The pooled client (``hanke_libs.telemetry`` instruments it when tracing is on)."""
        return self._client

    async def aclose(self) -> None:
        await self._client.aclose()

    def invalidate(self, prefix: str = "") -> None:
        """Forget cached answers whose key starts with ``prefix`` (all when empty)."""
        for key in [k for k in self._cache if k.startswith(prefix)]:
            del self._cache[key]

    async def get(
        self,
        path: str,
        principal: Principal,
        *,
        params: dict[str, str] | None = None,
        shared: bool = False,
    ) -> PeerAnswer:
        """GET ``path`` as ``principal``.

        The cache key is the path with its query and, unless ``shared`` (an answer that is the same
        for every caller allowed to read it), the caller's token.
        """
        target = path + ("?" + urlencode(params) if params else "")
        key = target if shared else f"{target}\x00{principal.token}"
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[PeerAnswer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            answer = await self._fetch(target, principal)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        else:
            future.set_result(answer)
            if answer.status in CACHED_STATUSES and self.cache_seconds > 0:
                if len(self._cache) >= self.max_entries:
                    self._evict(now)
                self._cache[key] = (now + self.cache_seconds, answer)
            return answer
        finally:
            self._inflight.pop(key, None)

    def _evict(self, now: float) -> None:
        for k in [k for k, (until, _) in self._cache.items() if until <= now]:
            del self._cache[k]
        while len(self._cache) >= self.max_entries:
            self._cache.pop(next(iter(self._cache)))

    async def _fetch(self, target: str, principal: Principal) -> PeerAnswer:
        headers = {"accept": "application/json"}
        if principal.token:
            headers["authorization"] = f"Bearer {principal.token}"
        rid = current_request_id()
        if rid:
            headers["x-request-id"] = rid
        started = time.perf_counter()
        try:
            response = await self._client.get(target, headers=headers)
        except httpx.TimeoutException as exc:
            metrics.record_upstream(self.service, "timeout", time.perf_counter() - started)
            raise PeerUnavailable(
                f"The {self.service} service did not answer in time; try again shortly.",
                peer=self.service,
            ) from exc
        except httpx.HTTPError as exc:
            metrics.record_upstream(self.service, "unavailable", time.perf_counter() - started)
            raise PeerUnavailable(
                f"The {self.service} service cannot be reached ({type(exc).__name__}); try again shortly.",
                peer=self.service,
            ) from exc
        outcome = "error" if response.status_code >= 500 else "ok"
        metrics.record_upstream(self.service, outcome, time.perf_counter() - started)
        if response.status_code >= 500:
            raise PeerUnavailable(
                f"The {self.service} service answered {response.status_code}; try again shortly.",
                peer=self.service,
            )
        try:
            body = response.json() if response.content else None
        except ValueError as exc:
            raise PeerUnavailable(f"The {self.service} service answered something that is not JSON.") from exc
        return PeerAnswer(response.status_code, body)


def peer(request: Request, name: str) -> PeerClient:
    """The app's client for the peer service ``name``."""
    peers: dict[str, PeerClient] = request.app.state.peers
    try:
        return peers[name]
    except KeyError:  # a wiring mistake, not a caller's
        raise RuntimeError(f"No peer service {name!r} is configured for this app.") from None
