"""The gateway with an ``httpx.AsyncClient`` on the proxy path instead of aiohttp, for comparison
in ``gateway_proxy.py``: ``uvicorn --factory benchmarks.gateway_httpx_variant:create_app``.

Everything else (auth, routing, headers, errors) is the real gateway's code.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

import httpx
from fastapi import FastAPI

from gateway.config import Settings
from gateway.main import create_app as create_gateway
from gateway.upstreams import (
    Upstream,
    UpstreamBadGateway,
    UpstreamResponse,
    UpstreamTimeout,
    UpstreamUnavailable,
)


class HttpxUpstream(Upstream):
    """An upstream reached through one pooled ``httpx.AsyncClient``."""

    client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        limits = httpx.Limits(
            max_connections=self.settings.upstream_connections,
            max_keepalive_connections=self.settings.upstream_connections,
            keepalive_expiry=self.settings.upstream_keepalive_seconds,
        )
        self.client = httpx.AsyncClient(
            base_url=self.base_url, timeout=self.settings.upstream_timeout_seconds, limits=limits
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def request(
        self,
        method: str,
        target: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout_seconds: float | None = None,
    ) -> UpstreamResponse:
        assert self.client is not None
        try:
            resp = await self.client.request(
                method,
                target,
                headers=dict(headers or {}),
                content=body or None,
                timeout=timeout_seconds or self.settings.upstream_timeout_seconds,
            )
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(self.name, "timed out") from exc
        except httpx.ConnectError as exc:
            raise UpstreamUnavailable(self.name, "is not reachable") from exc
        except httpx.HTTPError as exc:
            raise UpstreamBadGateway(self.name, type(exc).__name__) from exc
        return UpstreamResponse(resp.status_code, list(resp.headers.multi_items()), resp.content)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_gateway(settings)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            upstreams = app.state.upstreams
            for name, upstream in list(upstreams.by_name.items()):
                await upstream.close()
                replacement = HttpxUpstream(name, upstream.base_url, upstream.settings)
                await replacement.start()
                upstreams.by_name[name] = replacement
            yield

    app.router.lifespan_context = lifespan
    return app
