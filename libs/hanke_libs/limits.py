"""Request body limits, applied to every app by the app factory before any route sees the body.

Two kinds of body, two limits (settings on :class:`~hanke_libs.settings.AppSettings`):

- **file uploads** (``multipart/form-data``, ``application/octet-stream``, ``text/csv``, XLSX):
  at most ``max_upload_bytes`` (default 50 MiB); streamed through and counted, never buffered here;
- **everything else** (JSON, ``application/scim+json``, a body without a content type — FastAPI
  reads those as JSON — and the rest): at most ``max_json_bytes`` (default 2 MiB), and JSON nested
  at most ``max_json_depth`` (default 64) arrays/objects deep.

Over the size → 413 ``content-too-large`` (at once when ``Content-Length`` says so, otherwise as soon
as the bytes read pass the limit). Too deep → 400 ``json-too-deep``. The depth is measured by a
linear scan of the bytes (strings skipped by one regular expression) before any JSON parser runs, so
10 000 nested arrays are refused without recursion (``json.loads`` and pydantic would raise
RecursionError: a 500). Both answers are problem documents.

Example (done by ``create_base_app``; an app built otherwise adds it the same way)::

    app.add_middleware(RequestLimitsMiddleware, limits=RequestLimits.from_settings(settings))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hanke_libs.problems import TYPE_BASE, problem_response

__all__ = ["RequestLimits", "RequestLimitsMiddleware", "json_depth_exceeds", "is_upload"]

MIB = 1024 * 1024
DEFAULT_MAX_JSON_BYTES = 2 * MIB
DEFAULT_MAX_UPLOAD_BYTES = 50 * MIB
DEFAULT_MAX_JSON_DEPTH = 64

UPLOAD_TYPES = frozenset(
    {
        "multipart/form-data",
        "application/octet-stream",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
    }
)


@dataclass(frozen=True)
class RequestLimits:
    """The limits one app enforces on request bodies."""

    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH

    @classmethod
    def from_settings(cls, settings: Any) -> RequestLimits:
        return cls(
            max_json_bytes=settings.max_json_bytes,
            max_upload_bytes=settings.max_upload_bytes,
            max_json_depth=settings.max_json_depth,
        )


# A JSON string (escapes included) or one bracket; everything else is skipped by the regex engine.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")
_QUOTE = ord('"')


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether JSON ``body`` nests arrays/objects deeper than ``limit`` (no parsing, no recursion).

    Malformed JSON is measured as well as it can be; the JSON parser refuses it afterwards.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _TOKENS.finditer(body):
        ch = body[match.start()]
        if ch == _QUOTE:
            continue
        if ch in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def _body_headers(scope: Scope) -> tuple[str, int | None, bool]:
    """(media type, Content-Length, whether a body may follow) from the request head."""
    media_type, length, chunked = "", None, False
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media_type = value.decode("latin-1").split(";", 1)[0].strip().lower()
        elif name == b"content-length":
            text = value.decode("latin-1").strip()
            length = int(text) if text.isdigit() and len(text) < 20 else None
        elif name == b"transfer-encoding":
            chunked = True
    return media_type, length, chunked or bool(length)


def is_upload(content_type: str) -> bool:
    """Whether a body of this media type is a file upload (the larger limit, streamed)."""
    return content_type in UPLOAD_TYPES


def _size_text(limit: int) -> str:
    return f"{limit // MIB} MiB ({limit} bytes)" if limit % MIB == 0 else f"{limit} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when an upload passes its limit; answered as a 413 problem.

    An HTTPException, so FastAPI's body reading passes it on to the problem handler unchanged.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"The uploaded body is larger than {_size_text(limit)}, the most this API accepts "
            "for a file; split the file or send less at once.",
        )


def _too_large(limit: int, *, upload: bool) -> dict[str, Any]:
    what = "for a file; split the file or send less at once" if upload else "for JSON; send less per request"
    return {
        "type": TYPE_BASE + "content-too-large",
        "title": "Content too large",
        "status": 413,
        "detail": f"The request body is larger than {_size_text(limit)}, the most this API accepts {what}.",
        "limit_bytes": limit,
    }


def _too_deep(limit: int) -> dict[str, Any]:
    return {
        "type": TYPE_BASE + "json-too-deep",
        "title": "JSON nested too deeply",
        "status": 400,
        "detail": f"The JSON body nests arrays and objects more than {limit} levels deep; "
        "no request of this API needs that many.",
        "limit_depth": limit,
    }


class RequestLimitsMiddleware:
    """ASGI middleware enforcing :class:`RequestLimits` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        media_type, declared, has_body = _body_headers(scope)
        if not has_body:  # no Content-Length (or 0) and no Transfer-Encoding: HTTP/1.1 sends no body
            await self.app(scope, receive, send)
            return
        upload = is_upload(media_type)
        limit = self.limits.max_upload_bytes if upload else self.limits.max_json_bytes
        if declared is not None and declared > limit:
            await problem_response(_too_large(limit, upload=upload))(scope, receive, send)
            return
        if upload:
            await self._stream(scope, receive, send, limit)
        else:
            await self._buffered(scope, receive, send, limit)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await problem_response(_too_large(limit, upload=True))(scope, receive, send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await problem_response(_too_large(limit, upload=False))(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_depth_exceeds(body, self.limits.max_json_depth):
            await problem_response(_too_deep(self.limits.max_json_depth))(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
