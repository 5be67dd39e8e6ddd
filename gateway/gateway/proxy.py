"""The proxy: the services' resources under one versioned prefix.

``/api/v1/budget/{path}`` -> budget ``/{path}``, ``/api/v1/pilots/{path}`` -> pilots,
``/api/v1/participants/{path}`` -> participants, ``/api/v1/reports/{path}`` -> reports,
``/scim/v2/{path}`` -> participants ``/scim/v2/{path}`` (the prefixes come from
:data:`gateway.config.UPSTREAMS`). A plain ASGI middleware serves them (no per-request dependency
resolution, routing or response model on the hot path). The caller's token is checked here first
and then forwarded; the service applies its own access rules. The reports service's calendar feeds
(``/api/v1/reports/feeds/...``) pass without a bearer token: calendar clients cannot send one, the
secret URL is the credential and the reports service checks it.

What passes, both ways:

- the request target as the caller encoded it, below the prefix; a target whose prefix is not
  followed by a literal ``/`` (``/api/v1/budget%2Fprojects``) or that holds a ``.``/``..`` segment
  is a 404 problem, so an upstream never sees a target that does not start with ``/``;
- request bodies within the services' limits (:mod:`hanke_libs.limits`, applied by the app
  factory's middleware outside the proxy: JSON up to ``max_json_bytes`` and ``max_json_depth``,
  files up to ``max_upload_bytes``; 413/400 problems), with ``max_upload_bytes`` checked here too;
- the headers in :data:`FORWARD_REQUEST` and :data:`FORWARD_RESPONSE`; ``Location``,
  ``Content-Location`` and ``Link`` pointing at the service are rewritten to the gateway's public
  paths (on ``public_base_url`` when set, never on the caller's Host header), and so are the
  ``location``/``$ref`` links of SCIM bodies.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import BY_NAME, UPSTREAMS, Settings, UpstreamSpec
from gateway.security import authenticate
from gateway.upstreams import Upstream, UpstreamError
from hanke_libs.metrics import set_route
from hanke_libs.observability import current_request_id
from hanke_libs.problems import TYPE_BASE, NotFound, ProblemError, problem_response

# Request headers passed to the upstream (lower case, as ASGI gives them).
FORWARD_REQUEST = frozenset(
    {b"authorization", b"content-type", b"accept", b"if-match", b"if-none-match", b"accept-language"}
)
# Response headers passed back to the caller as they are (lower case: as they are sent).
FORWARD_RESPONSE = tuple(
    name.lower()
    for name in (
        "Content-Type",
        "ETag",
        "Content-Disposition",
        "Content-Language",
        "Cache-Control",
        "Expires",
        "Last-Modified",
        "Retry-After",
        "WWW-Authenticate",
        "Preference-Applied",
        "Allow",
        "Accept-Patch",
        "Vary",
    )
)
# Response headers whose URLs are rewritten to the gateway's public paths.
LINK_HEADERS = ("location", "content-location")
_PASS, _URL, _LINKS = 0, 1, 2
RESPONSE_HEADERS: dict[str, int] = {
    **dict.fromkeys(FORWARD_RESPONSE, _PASS),
    **dict.fromkeys(LINK_HEADERS, _URL),
    "link": _LINKS,
}
_LINK_TARGET = re.compile(r"<([^>]*)>")
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_LINK_KEYS = frozenset({"location", "$ref"})
log = logging.getLogger("hanke.gateway.proxy")


class BodyTooLarge(ProblemError):
    status, slug, title = 413, "content-too-large", "Content too large"


class ProxyRoute:
    """ASGI app forwarding everything under ``gateway_prefix`` to ``service``'s ``upstream_prefix``."""

    def __init__(self, service: str, gateway_prefix: str, upstream_prefix: str = "") -> None:
        self.service = service
        self.spec: UpstreamSpec = BY_NAME[service]
        self.gateway_prefix = gateway_prefix.rstrip("/")
        self.upstream_prefix = upstream_prefix.rstrip("/")
        self._raw_prefix = (self.gateway_prefix + "/").encode("ascii")
        self.scim = self.upstream_prefix == "/scim/v2"
        # Paths that pass without a token (only below the service's public prefix).
        self.unauthenticated = (
            tuple(self.gateway_prefix + p for p in self.spec.unauthenticated_prefixes)
            if self.gateway_prefix == self.spec.public_prefix
            else ()
        )

    def upstream_target(self, scope: Scope) -> str:
        """The percent-encoded upstream path and query of this request (404 problem for a target
        that does not name a path below the prefix)."""
        raw = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        raw = raw.split(b"?", 1)[0]
        if not raw.startswith(self._raw_prefix):
            # The prefix or the slash after it arrived percent-encoded (``/api/v1/budget%2Fx``).
            raise NotFound("No such path: the service prefix must be followed by '/'.")
        rest = raw[len(self._raw_prefix) - 1 :].decode("latin-1")
        decoded = unquote(rest) if "%" in rest else rest  # %2F counts as a separator here
        if "/." in decoded and any(segment in (".", "..") for segment in decoded.split("/")):
            raise NotFound("No such path: paths with '.' or '..' segments are not served.")
        target = self.upstream_prefix + rest
        query = scope.get("query_string", b"")
        return target + "?" + query.decode("latin-1") if query else target

    def _unauthenticated_path(self, scope: Scope) -> bool:
        """Whether the request is for a path that passes without a token: by its raw target, with
        nothing percent-encoded in it (no encoded slash or dot can reach another path)."""
        raw = (scope.get("raw_path") or b"").split(b"?", 1)[0].decode("latin-1")
        return "%" not in raw and raw.startswith(self.unauthenticated) and scope["path"] == raw

    def public_url(self, value: str, upstream: Upstream, public_base: str) -> str:
        """An upstream URL (absolute or a path) as the caller reaches it through the gateway."""
        base = upstream.base_url
        if value == base or value.startswith((base + "/", base + "?")):
            path, absolute = value[len(base) :] or "/", True
        else:
            path, absolute = value, False
            prefix = upstream.path_prefix
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                path = path[len(prefix) :] or "/"
        if not path.startswith("/") or path.startswith("//"):
            return value  # a relative or foreign URL: leave it
        path = self.spec.public_path(path)
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
        settings: Settings = app.state.settings
        forwarded: dict[str, str] = {}
        authorization = None
        content_length = b""
        for name, value in scope["headers"]:
            if name in FORWARD_REQUEST:
                text = value.decode("latin-1")
                forwarded[name.decode("latin-1")] = text
                if name == b"authorization":
                    authorization = text
            elif name == b"content-length":
                content_length = value
        if not (self.unauthenticated and self._unauthenticated_path(scope)):
            await authenticate(app, authorization)
        target = self.upstream_target(scope)
        rid = current_request_id()
        if rid:
            forwarded["x-request-id"] = rid
        limit = settings.max_upload_bytes
        if content_length.isdigit() and int(content_length) > limit:
            raise BodyTooLarge(_too_large(limit))
        body = await _read_body(receive, limit)
        upstream = app.state.upstreams[self.service]
        try:
            resp = await upstream.request(scope["method"], target, headers=forwarded, body=body)
        except UpstreamError as exc:
            raise exc.problem() from exc

        public_base = settings.public_base_url.rstrip("/")
        headers: list[tuple[bytes, bytes]] = []
        answered_length = "0"
        for name, value in resp.header_list:
            lname = name.lower()
            kind = RESPONSE_HEADERS.get(lname)
            if kind is None:
                if lname == "content-length":
                    answered_length = value
                continue
            if kind == _URL:
                value = self.public_url(value, upstream, public_base)
            elif kind == _LINKS:
                value = _LINK_TARGET.sub(
                    lambda m: "<" + self.public_url(m.group(1), upstream, public_base) + ">", value
                )
            headers.append((lname.encode("latin-1"), _raw(value)))
        body = resp.body
        if resp.status in (204, 304) or resp.status < 200:
            body = b""  # no body and no Content-Length on these (RFC 9110 8.6)
        elif scope["method"] == "HEAD":
            headers.append((b"content-length", answered_length.encode("latin-1")))
            body = b""
        else:
            if self.scim and body and upstream.base_url.encode() in body:
                body = self._public_scim_body(body, upstream, public_base)
            headers.append((b"content-length", str(len(body)).encode("ascii")))
        await send({"type": "http.response.start", "status": resp.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _public_scim_body(self, body: bytes, upstream: Upstream, public_base: str) -> bytes:
        """A SCIM body with its ``meta.location`` and ``$ref`` links on the gateway's paths."""
        try:
            data = json.loads(body)
        except ValueError:
            return body

        def walk(node: Any) -> Any:
            if isinstance(node, dict):
                return {
                    k: self.public_url(v, upstream, public_base)
                    if k in SCIM_LINK_KEYS and isinstance(v, str)
                    else walk(v)
                    for k, v in node.items()
                }
            if isinstance(node, list):
                return [walk(v) for v in node]
            return node

        return json.dumps(walk(data), ensure_ascii=False, separators=(",", ":")).encode()


def _raw(value: str) -> bytes:
    """A header value as the upstream sent it (decoded UTF-8 with surrogateescape)."""
    return value.encode("utf-8", "surrogateescape")


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit} bytes ({limit // (1024 * 1024)} MiB), the API's upload limit."


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(_too_large(limit))
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
        set_route(scope, route.gateway_prefix + "/{path}")  # the metrics' and traces' route label
        try:
            await route(scope, receive, send)
        except ProblemError as exc:
            await problem_response(exc.to_problem(scope["path"]), exc.headers)(scope, receive, send)
        except HTTPException:
            raise  # answered outside (hanke_libs.limits' upload limit raises one from receive)
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
    """One route per published prefix of every upstream (most specific first)."""
    routes: list[ProxyRoute] = []
    for spec in UPSTREAMS:
        routes.extend(ProxyRoute(spec.name, prefix, prefix) for prefix in spec.same_path_prefixes)
    routes.extend(ProxyRoute(spec.name, spec.public_prefix) for spec in UPSTREAMS)
    return routes


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
