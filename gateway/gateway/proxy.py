"""The proxy: the services' resources under one versioned prefix.

``/api/v1/budget/{path}`` -> budget ``/{path}``, ``/api/v1/pilots/{path}`` -> pilots,
``/api/v1/participants/{path}`` -> participants, ``/api/v1/reports/{path}`` -> reports,
``/scim/v2/{path}`` -> participants ``/scim/v2/{path}``. The reports service's calendar feeds
(``/api/v1/reports/feeds/...``) pass without a bearer token: calendar clients cannot send one, the
secret URL is the credential and the reports service checks it. A plain ASGI middleware serves them (no per-request
dependency resolution, routing or response model on the hot path). The caller's token is checked here
first and then forwarded; the service applies its own access rules.
"""

from __future__ import annotations

import contextlib
import logging
import re
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.security import authenticate
from gateway.upstreams import UpstreamError
from hanke_libs.observability import current_request_id
from hanke_libs.problems import TYPE_BASE, ProblemError, problem_response

# Request headers passed to the upstream (lower case, as ASGI gives them).
FORWARD_REQUEST = frozenset(
    {b"authorization", b"content-type", b"accept", b"if-match", b"if-none-match", b"accept-language"}
)
# Response headers passed back to the caller.
FORWARD_RESPONSE = (
    "Content-Type",
    "ETag",
    "Content-Disposition",
    "Cache-Control",
    "Last-Modified",
    "Retry-After",
    "WWW-Authenticate",
    "Preference-Applied",
)
MAX_BODY_BYTES = 32 * 1024 * 1024
_LINK_TARGET = re.compile(r"<([^>]*)>")
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
log = logging.getLogger("hanke.gateway.proxy")


class BodyTooLarge(ProblemError):
    status, slug, title = 413, "content-too-large", "Content too large"


class ProxyRoute:
    """ASGI app forwarding everything under ``gateway_prefix`` to ``service``'s ``upstream_prefix``."""

    def __init__(
        self, service: str, gateway_prefix: str, upstream_prefix: str = "", public_paths: tuple[str, ...] = ()
    ) -> None:
        self.service = service
        self.public_paths = tuple(gateway_prefix.rstrip("/") + p for p in public_paths)
        self.gateway_prefix = gateway_prefix.rstrip("/")
        self.upstream_prefix = upstream_prefix.rstrip("/")
        self._raw_prefix = self.gateway_prefix.encode("ascii")
        self.scim = self.upstream_prefix == "/scim/v2"

    def upstream_target(self, scope: Scope) -> str:
        """The percent-encoded upstream path and query of this request."""
        raw = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        raw = raw.split(b"?", 1)[0]
        if raw.startswith(self._raw_prefix):
            rest = raw[len(self._raw_prefix) :].decode("latin-1")
        else:  # the prefix itself arrived percent-encoded
            rest = quote(scope["path"][len(self.gateway_prefix) :])
        target = self.upstream_prefix + (rest or "/")
        query = scope.get("query_string", b"")
        return target + "?" + query.decode("latin-1") if query else target

    def rewrite_url(self, value: str, upstream_base: str, public_base: str) -> str:
        """An upstream URL (absolute or a path) as the caller reaches it through the gateway."""
        absolute = value.startswith(upstream_base + "/")
        path = value[len(upstream_base) :] if absolute else value
        if not path.startswith("/"):
            return value  # relative or foreign URL: leave it
        if self.upstream_prefix and path.startswith(self.upstream_prefix + "/"):
            path = self.gateway_prefix + path[len(self.upstream_prefix) :]
        elif not self.upstream_prefix:
            path = self.gateway_prefix + path
        return public_base + path if absolute else path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.scim:
            await self.forward(scope, receive, send)
            return
        try:
            await self.forward(scope, receive, send)
        except ProblemError as exc:  # SCIM clients expect RFC 7644 errors, not problem documents
            body = {"schemas": [SCIM_ERROR], "status": str(exc.status), "detail": exc.detail}
            response = JSONResponse(body, exc.status, headers=exc.headers, media_type="application/scim+json")
            await response(scope, receive, send)

    async def forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["app"]
        forwarded: dict[str, str] = {}
        authorization = None
        host = ""
        for name, value in scope["headers"]:
            if name in FORWARD_REQUEST:
                text = value.decode("latin-1")
                forwarded[name.decode("latin-1")] = text
                if name == b"authorization":
                    authorization = text
            elif name == b"host":
                host = value.decode("latin-1")
        if not (self.public_paths and scope["path"].startswith(self.public_paths)):
            await authenticate(app, authorization)
        rid = current_request_id()
        if rid:
            forwarded["x-request-id"] = rid
        body = await _read_body(receive)
        upstream = app.state.upstreams[self.service]
        try:
            resp = await upstream.request(
                scope["method"], self.upstream_target(scope), headers=forwarded, body=body
            )
        except UpstreamError as exc:
            raise exc.problem() from exc

        public_base = f"{scope.get('scheme', 'http')}://{host}" if host else ""
        headers: list[tuple[bytes, bytes]] = []
        for name in FORWARD_RESPONSE:
            for value in resp.headers.getall(name, ()):
                headers.append((name.lower().encode("ascii"), _raw(value)))
        for value in resp.headers.getall("Location", ()):
            location = self.rewrite_url(value, upstream.base_url, public_base)
            headers.append((b"location", _raw(location)))
        for value in resp.headers.getall("Link", ()):
            link = _LINK_TARGET.sub(
                lambda m: "<" + self.rewrite_url(m.group(1), upstream.base_url, public_base) + ">", value
            )
            headers.append((b"link", _raw(link)))
        body = resp.body
        if resp.status in (204, 304) or resp.status < 200:
            body = b""  # no body and no Content-Length on these (RFC 9110 8.6)
        elif scope["method"] == "HEAD":
            headers.append((b"content-length", resp.headers.get("Content-Length", "0").encode("latin-1")))
            body = b""
        else:
            headers.append((b"content-length", str(len(body)).encode("ascii")))
        await send({"type": "http.response.start", "status": resp.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _raw(value: str) -> bytes:
    """A header value as the upstream sent it (aiohttp decodes UTF-8 with surrogateescape)."""
    return value.encode("utf-8", "surrogateescape")


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BodyTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class ProxyMiddleware:
    """Serves the proxied prefixes directly; everything else goes on to the app.

    Problems raised here are answered as problem documents; an unexpected error becomes a 500
    problem naming the request id, like everywhere else in the product.
    """

    def __init__(self, app: ASGIApp, routes: list[ProxyRoute]) -> None:
        self.app = app
        self.routes = [(route.gateway_prefix + "/", route) for route in routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            for prefix, route in self.routes:
                if path.startswith(prefix):
                    await self._serve(route, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(self, route: ProxyRoute, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await route(scope, receive, send)
        except ProblemError as exc:
            await problem_response(exc.to_problem(scope["path"]), exc.headers)(scope, receive, send)
        except Exception:
            log.exception("proxy error", extra={"path": scope["path"]})
            body = {
                "type": TYPE_BASE + "internal",
                "title": "Internal server error",
                "status": 500,
                "detail": "An unexpected error occurred. Quote the request id when reporting it.",
                "instance": scope["path"],
            }
            with contextlib.suppress(Exception):  # the response may have started already
                await problem_response(body)(scope, receive, send)


def proxy_routes() -> list[ProxyRoute]:
    return [
        ProxyRoute("budget", "/api/v1/budget"),
        ProxyRoute("pilots", "/api/v1/pilots"),
        ProxyRoute("participants", "/api/v1/participants"),
        ProxyRoute("reports", "/api/v1/reports", public_paths=("/feeds/",)),
        ProxyRoute("participants", "/scim/v2", "/scim/v2"),
    ]


def install(app: Starlette) -> None:
    """Put the proxy outside the framework's middleware stack, inside request ids and CORS.

    The hot path then skips the framework's error, telemetry, body-limit, exception, exit-stack
    and routing layers (measured: about 1.8x the requests/s of a mounted route). Request ids and
    CORS (the app's ``user_middleware``) move outermost so both paths still get them.
    """
    outer = list(app.user_middleware)
    app.user_middleware.clear()
    build_inner = app.build_middleware_stack

    def build() -> ASGIApp:
        stack: ASGIApp = ProxyMiddleware(build_inner(), routes=proxy_routes())
        for middleware in reversed(outer):
            cls, args, kwargs = middleware
            stack = cls(stack, *args, **kwargs)
        return stack

    app.build_middleware_stack = build  # type: ignore[method-assign]
