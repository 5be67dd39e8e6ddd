"""The upstream services and one pooled HTTP/1.1 client per upstream.

Upstream calls go through the gateway's pooled keep-alive client (:mod:`gateway.h1client`, parsing
with llhttp), chosen by measurement (benchmarks/gateway_proxy.py): under concurrency httpx's async
client reached only a fraction of an nginx reverse proxy (httpx#3215), aiohttp's client more, and
the gateway's pool (no per-request request/response objects, cookie jar, tracing or URL parsing)
more again. ``HANKE_GATEWAY_UPSTREAM_CLIENT=aiohttp`` switches to one pooled aiohttp session per
upstream, made as strict as the gateway's own client where it matters for a proxy: an idle
connection that received bytes is never reused, an answer carrying another request's
``X-Request-ID`` is refused, bodies are capped. Every call has a timeout. Clients are made in the
app's lifespan and closed with it.

Exception tree::

    UpstreamError              an upstream call gave no usable answer
    ├── UpstreamUnavailable    connection refused or dropped: 503
    │   └── UpstreamBadGateway a malformed, oversized or mismatched answer: 502
    └── UpstreamTimeout        no answer within the call's timeout: 504
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.client_proto import ResponseHandler
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from gateway import h1client
from gateway.config import SERVICES, Settings
from hanke_libs.problems import UpstreamProblem
from hanke_libs.telemetry import upstream_call

__all__ = ["SERVICES", "Upstream", "UpstreamError", "UpstreamResponse", "Upstreams"]
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


class _IdleStrictResponseHandler(ResponseHandler):
    """aiohttp's connection protocol, never reused once it holds bytes nobody asked for.

    aiohttp parses what arrives on an idle pooled connection and queues it, so the next request
    on that connection would read the earlier answer. The pool asks ``is_connected()`` before
    reusing a connection (and when cleaning up): answering False for a connection with queued data
    makes the pool close it instead.
    """

    def is_connected(self) -> bool:
        return (
            super().is_connected() and not getattr(self, "_buffer", None) and not getattr(self, "_tail", b"")
        )


def _strict_connector(settings: Settings) -> aiohttp.TCPConnector:
    connector = aiohttp.TCPConnector(
        limit=settings.upstream_connections,
        keepalive_timeout=settings.upstream_keepalive_seconds,
        ttl_dns_cache=300,
    )
    # The connector makes each connection's protocol with this factory (aiohttp 3.x).
    connector._factory = functools.partial(_IdleStrictResponseHandler, loop=connector._loop)  # type: ignore[assignment]
    return connector


class UpstreamResponse:
    """An upstream's answer: status, headers (``header_list`` as received, ``headers`` as a
    case-insensitive multidict made when first asked for) and the whole body."""

    __slots__ = ("_headers", "body", "header_list", "status")

    def __init__(self, status: int, header_list: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.header_list = header_list
        self.body = body
        self._headers: CIMultiDictProxy[str] | None = None

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        if self._headers is None:
            self._headers = CIMultiDictProxy(CIMultiDict(self.header_list))
        return self._headers

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
        self.path_prefix = parts.path.rstrip("/")

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
                max_body_bytes=self.settings.max_response_bytes,
            )
            return
        self.session = aiohttp.ClientSession(
            connector=_strict_connector(self.settings),
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
        # Counted in the metrics and, when tracing, a client span with traceparent (hanke_libs.telemetry).
        async with upstream_call(self.name, method, target, headers) as call:
            resp = await self._send(method, target, call.headers, body, timeout_seconds)
            call.status = resp.status
            return resp

    async def _send(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        timeout_seconds: float | None,
    ) -> UpstreamResponse:
        if self.pool is not None:
            return await self._request_h1(method, target, headers, body, timeout_seconds)
        if self.session is None:
            raise UpstreamUnavailable(self.name, "client is not started")
        url = URL(self.base_url + target, encoded=True)
        client_timeout = self.timeout(timeout_seconds or self.settings.upstream_timeout_seconds)
        request_id = _request_id(headers)
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
                    answered = resp.headers.get("X-Request-ID")
                    if request_id is not None and answered is not None and answered != request_id:
                        _discard(resp)  # the connection carried an earlier answer: never reuse it
                        raise UpstreamBadGateway(self.name, "sent the answer to another request")
                    data = await self._read_capped(resp)
                    return UpstreamResponse(resp.status, list(resp.headers.items()), data)
            except TimeoutError as exc:  # aiohttp's timeouts subclass TimeoutError
                raise UpstreamTimeout(self.name, f"did not answer within {client_timeout.total:g} s") from exc
            except aiohttp.ClientConnectorError as exc:
                raise UpstreamUnavailable(self.name, "is not reachable (connection refused)") from exc
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                # A pooled keep-alive connection the upstream had closed: retry once if safe.
                if attempt + 1 < attempts:
                    continue
                raise UpstreamUnavailable(self.name, "closed the connection") from exc
            except aiohttp.ClientResponseError as exc:
                # The parser's message quotes the upstream's bytes: keep only its first words.
                reason = str(exc.message).split("\n", 1)[0].rstrip(": ")[:80]
                raise UpstreamBadGateway(self.name, f"sent a malformed answer ({reason})") from exc
            except aiohttp.ClientError as exc:
                raise UpstreamBadGateway(self.name, f"sent a broken answer ({type(exc).__name__})") from exc
        raise UpstreamUnavailable(self.name, "is not reachable")  # pragma: no cover

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        cap = self.settings.max_response_bytes
        if resp.content_length is not None and resp.content_length > cap:
            resp.close()
            raise UpstreamBadGateway(self.name, f"sent an answer over {cap} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_any():
            size += len(chunk)
            if size > cap:
                resp.close()
                raise UpstreamBadGateway(self.name, f"sent an answer over {cap} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

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
                    method, self.path_prefix + target, header_list, body or b"", seconds
                )
                return UpstreamResponse(resp.status, resp.headers, resp.body)
            except TimeoutError as exc:
                raise UpstreamTimeout(self.name, f"did not answer within {seconds:g} s") from exc
            except h1client.ConnectFailed as exc:
                raise UpstreamUnavailable(self.name, "is not reachable (connection refused)") from exc
            except h1client.ConnectionDropped as exc:
                # A pooled keep-alive connection the upstream had closed: retry once if safe.
                if attempt + 1 < attempts:
                    continue
                raise UpstreamUnavailable(self.name, "closed the connection") from exc
            except h1client.BadResponse as exc:
                raise UpstreamBadGateway(self.name, str(exc)) from exc
            except ValueError as exc:  # a request that cannot be written (checked before, by the proxy)
                raise UpstreamBadGateway(self.name, f"could not be asked ({exc})") from exc
        raise UpstreamUnavailable(self.name, "is not reachable")  # pragma: no cover


class Upstreams:
    """The gateway's upstreams by name, with a shared, briefly cached readiness probe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.by_name: dict[str, Upstream] = {
            name: Upstream(name, settings.upstream_url(name), settings) for name in SERVICES
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
        # No upstream URL here: /readyz answers without a token and must not map the network.
        started = time.perf_counter()
        state: dict[str, Any] = {}
        try:
            resp = await upstream.request("GET", "/readyz", timeout_seconds=self.settings.ready_probe_seconds)
        except UpstreamError as exc:
            # The gateway still serves (views degrade), so an upstream that is down is "degraded".
            return {**state, "status": "degraded", "upstream": "unavailable", "reason": exc.reason}
        state["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if resp.status == 200:
            return {**state, "status": "ok", "upstream": "ready"}
        return {**state, "status": "degraded", "upstream": "not ready", "http_status": resp.status}


def _discard(resp: aiohttp.ClientResponse) -> None:
    """Close the connection of ``resp`` even if aiohttp already put it back in its pool."""
    resp.close()
    protocol = getattr(resp, "_protocol", None)
    if protocol is not None:
        protocol.close()


def _request_id(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "x-request-id":
            return value
    return None
