"""The upstream services and one pooled aiohttp client session per upstream.

Upstream calls go through the gateway's own minimal HTTP/1.1 keep-alive client
(:mod:`gateway.h1client`), chosen by measurement (benchmarks/gateway_proxy.py): under concurrency
httpx's async client reached only a fraction of an nginx reverse proxy (httpx#3215), aiohttp's
client more, and the minimal client (no per-request request/response objects, cookie jar, tracing
or URL parsing) more again. ``HANKE_GATEWAY_UPSTREAM_CLIENT=aiohttp`` switches back to one pooled
aiohttp session per upstream. Every call has a timeout. Clients are made in the app's lifespan
and closed with it.

Exception tree::

    UpstreamError              an upstream call gave no usable answer
    ├── UpstreamUnavailable    connection refused or dropped: 503 (502 for a broken answer)
    └── UpstreamTimeout        no answer within the call's timeout: 504
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from gateway import h1client
from gateway.config import Settings
from hanke_libs.problems import UpstreamProblem

SERVICES = ("budget", "pilots", "participants", "reports")
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class UpstreamError(Exception):
    """An upstream call failed; ``problem()`` is what the gateway answers for it."""

    status = 503
    slug = "upstream-unavailable"
    title = "Upstream service unavailable"

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason

    def problem(self) -> UpstreamProblem:
        return UpstreamProblem(
            f"The {self.service} service {self.reason}.",
            status=self.status,
            slug=self.slug,
            title=self.title,
            service=self.service,
        )


class UpstreamUnavailable(UpstreamError):
    pass


class UpstreamBadGateway(UpstreamUnavailable):
    status, slug, title = 502, "bad-gateway", "Bad answer from an upstream service"


class UpstreamTimeout(UpstreamError):
    status, slug, title = 504, "upstream-timeout", "Upstream service timed out"


@dataclass(slots=True)
class UpstreamResponse:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Upstream:
    """One upstream service: its base URL and its pooled client session."""

    def __init__(self, name: str, base_url: str, settings: Settings) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.session: aiohttp.ClientSession | None = None
        self.pool: h1client.ConnectionPool | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        parts = urlsplit(self.base_url)
        self._path_prefix = parts.path.rstrip("/")

    async def start(self) -> None:
        if self.settings.upstream_client == "h1":
            parts = urlsplit(self.base_url)
            https = parts.scheme == "https"
            self.pool = h1client.ConnectionPool(
                parts.hostname or "127.0.0.1",
                parts.port or (443 if https else 80),
                limit=self.settings.upstream_connections,
                keepalive_seconds=self.settings.upstream_keepalive_seconds,
                connect_timeout=min(self.settings.upstream_timeout_seconds, 5.0),
                ssl_context=ssl.create_default_context() if https else None,
            )
            return
        connector = aiohttp.TCPConnector(
            limit=self.settings.upstream_connections,
            keepalive_timeout=self.settings.upstream_keepalive_seconds,
            ttl_dns_cache=300,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=self.timeout(self.settings.upstream_timeout_seconds),
            # No Accept-Encoding: answers arrive uncompressed and pass through unchanged.
            skip_auto_headers=("Accept-Encoding", "User-Agent"),
            # Never keep an upstream's cookies: one session serves every caller.
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
        if self.session is not None:
            await self.session.close()
            self.session = None

    def timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        cached = self._timeouts.get(seconds)
        if cached is None:
            cached = aiohttp.ClientTimeout(total=seconds, connect=min(seconds, 5.0))
            if len(self._timeouts) < 64:
                self._timeouts[seconds] = cached
        return cached

    async def request(
        self,
        method: str,
        target: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout_seconds: float | None = None,
    ) -> UpstreamResponse:
        """Send ``method target`` (an already percent-encoded path and query) and read the answer."""
        if self.pool is not None:
            return await self._request_h1(method, target, headers, body, timeout_seconds)
        if self.session is None:
            raise UpstreamUnavailable(self.name, "client is not started")
        url = URL(self.base_url + target, encoded=True)
        client_timeout = self.timeout(timeout_seconds or self.settings.upstream_timeout_seconds)
        attempts = 2 if method in IDEMPOTENT else 1
        for attempt in range(attempts):
            try:
                async with self.session.request(
                    method,
                    url,
                    headers=headers,
                    data=body or None,
                    timeout=client_timeout,
                    allow_redirects=False,
                ) as resp:
                    data = await resp.read()
                    return UpstreamResponse(resp.status, resp.headers, data)
            except TimeoutError as exc:  # aiohttp's timeouts subclass TimeoutError
                raise UpstreamTimeout(self.name, f"did not answer within {client_timeout.total:g} s") from exc
            except aiohttp.ClientConnectorError as exc:
                raise UpstreamUnavailable(self.name, "is not reachable (connection refused)") from exc
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                # A pooled keep-alive connection the upstream had closed: retry once if safe.
                if attempt + 1 < attempts:
                    continue
                raise UpstreamUnavailable(self.name, "closed the connection") from exc
            except aiohttp.ClientError as exc:
                raise UpstreamBadGateway(self.name, f"sent a broken answer ({type(exc).__name__})") from exc
        raise UpstreamUnavailable(self.name, "is not reachable")  # pragma: no cover

    async def _request_h1(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        timeout_seconds: float | None,
    ) -> UpstreamResponse:
        pool = self.pool
        assert pool is not None
        seconds = timeout_seconds or self.settings.upstream_timeout_seconds
        header_list = list(headers.items()) if headers else []
        attempts = 2 if method in IDEMPOTENT else 1
        for attempt in range(attempts):
            try:
                resp = await pool.request(
                    method, self._path_prefix + target, header_list, body or b"", seconds
                )
                return UpstreamResponse(resp.status, CIMultiDictProxy(CIMultiDict(resp.headers)), resp.body)
            except TimeoutError as exc:
                raise UpstreamTimeout(self.name, f"did not answer within {seconds:g} s") from exc
            except h1client.ConnectFailed as exc:
                raise UpstreamUnavailable(self.name, "is not reachable (connection refused)") from exc
            except h1client.ConnectionDropped as exc:
                # A pooled keep-alive connection the upstream had closed: retry once if safe.
                if attempt + 1 < attempts:
                    continue
                raise UpstreamUnavailable(self.name, "closed the connection") from exc
            except (h1client.BadResponse, ValueError) as exc:
                raise UpstreamBadGateway(self.name, f"sent a broken answer ({type(exc).__name__})") from exc
        raise UpstreamUnavailable(self.name, "is not reachable")  # pragma: no cover


class Upstreams:
    """The gateway's upstreams by name, with a shared, briefly cached readiness probe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.by_name: dict[str, Upstream] = {
            "budget": Upstream("budget", settings.budget_url, settings),
            "pilots": Upstream("pilots", settings.pilots_url, settings),
            "participants": Upstream("participants", settings.participants_url, settings),
            "reports": Upstream("reports", settings.reports_url, settings),
        }
        self._probe: asyncio.Task[dict[str, dict[str, Any]]] | None = None
        self._probed_at = 0.0

    def __getitem__(self, name: str) -> Upstream:
        return self.by_name[name]

    async def start(self) -> None:
        for upstream in self.by_name.values():
            await upstream.start()

    async def close(self) -> None:
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
        for upstream in self.by_name.values():
            await upstream.close()

    async def probe(self) -> dict[str, dict[str, Any]]:
        """Each upstream's ``/readyz``, all probed concurrently; shared for one second."""
        now = time.monotonic()
        if self._probe is None or (self._probe.done() and now - self._probed_at > 1.0):
            self._probed_at = now
            self._probe = asyncio.ensure_future(self._probe_all())
        return await asyncio.shield(self._probe)

    async def _probe_all(self) -> dict[str, dict[str, Any]]:
        names = list(self.by_name)
        results = await asyncio.gather(*(self._probe_one(self.by_name[n]) for n in names))
        return dict(zip(names, results, strict=True))

    async def _probe_one(self, upstream: Upstream) -> dict[str, Any]:
        started = time.perf_counter()
        state: dict[str, Any] = {"url": upstream.base_url}
        try:
            resp = await upstream.request("GET", "/readyz", timeout_seconds=self.settings.ready_probe_seconds)
        except UpstreamError as exc:
            # The gateway still serves (views degrade), so an upstream that is down is "degraded".
            return {**state, "status": "degraded", "upstream": "unavailable", "reason": exc.reason}
        state["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if resp.status == 200:
            return {**state, "status": "ok", "upstream": "ready"}
        return {**state, "status": "degraded", "upstream": "not ready", "http_status": resp.status}
