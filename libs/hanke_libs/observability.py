"""Request ids and structured JSON logs.

A pure ASGI middleware (no BaseHTTPMiddleware, which costs a task per request) takes the caller's
``X-Request-ID`` or makes one, keeps it in a context variable for logs and problem documents, and
returns it on the response.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hanke_libs import metrics, telemetry
from hanke_libs.dbfaults import RETRY_AFTER_SECONDS, database_unavailable, unstorable_text

_PROBLEMS = "https://hanke.kuopio.example/problems/"
LAST_RESORT: dict[str, dict[str, Any]] = {
    "unavailable": {
        "type": _PROBLEMS + "database-unavailable",
        "title": "Database unavailable",
        "status": 503,
        "detail": "The database cannot serve the request now; try again in a moment.",
    },
    "unstorable": {
        "type": _PROBLEMS + "unstorable-text",
        "title": "Text the database cannot store",
        "status": 422,
        "detail": "A text value holds a character the database cannot store (a NUL or another control "
        "character); remove it and send the request again.",
    },
    "internal": {
        "type": _PROBLEMS + "internal",
        "title": "Internal server error",
        "status": 500,
        "detail": "An unexpected error occurred. Quote the request id when reporting it.",
    },
}
"""The problems the last-resort handler answers with (whatever no exception handler caught)."""

_request_id: ContextVar[str | None] = ContextVar("hanke_request_id", default=None)

REQUEST_ID_HEADER = b"x-request-id"
access_log = logging.getLogger("hanke.access")


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return _request_id.get()


def _clean_request_id(raw: bytes) -> str | None:
    try:
        value = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if 0 < len(value) <= 128 and all(c.isalnum() or c in "-_.:" for c in value):
        return value
    return None


class RequestIdMiddleware:
    """Assign a request id, echo it in ``X-Request-ID``, log one access line per request and record
    it in the request histogram by route template (``hanke_libs.metrics``). With ``tracer`` (tracing
    on, :mod:`hanke_libs.telemetry`) it names the server span around it by the route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        app_name: str = "hanke",
        access_log_enabled: bool = True,
        tracer: Any = None,
    ) -> None:
        self.app = app
        self.app_name = app_name
        self.access_log_enabled = access_log_enabled
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for name, value in scope.get("headers", ()):
            if name == REQUEST_ID_HEADER:
                rid = _clean_request_id(value)
                break
        rid = rid or uuid.uuid4().hex
        token = _request_id.set(rid)
        app_token = metrics.current_app.set(self.app_name)
        tracer_token = telemetry.enter_request(self.tracer) if self.tracer is not None else None
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if tracer_token is not None:  # before the body: the server span ends with it
                    telemetry.name_server_span(scope["method"], metrics.route_template(scope), rid)
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, rid.encode("ascii")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Anything no handler caught: a database that cannot serve now is a 503 problem (the
            # client may retry); anything else is logged and answered as a 500 problem that names
            # the request id.
            unavailable = database_unavailable(exc)
            unstorable = not unavailable and unstorable_text(exc)
            if unavailable or unstorable:
                logging.getLogger("hanke.errors").warning(
                    "%s: %s",
                    "database unavailable" if unavailable else "unstorable text",
                    type(exc).__name__,
                    extra={"path": scope.get("path")},
                )
            else:
                logging.getLogger("hanke.errors").exception(
                    "unexpected error", extra={"path": scope.get("path")}
                )
            if status == 0:
                problem = LAST_RESORT[
                    "unavailable" if unavailable else "unstorable" if unstorable else "internal"
                ]
                status = int(problem["status"])
                body = json.dumps({**problem, "instance": scope.get("path"), "request_id": rid}).encode()
                headers = [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (REQUEST_ID_HEADER, rid.encode("ascii")),
                ]
                if unavailable:
                    headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
        finally:
            seconds = time.perf_counter() - started
            metrics.observe_request(self.app_name, scope["method"], scope, status, seconds)
            if tracer_token is not None:
                telemetry.leave_request(tracer_token)
            if self.access_log_enabled and access_log.isEnabledFor(logging.INFO):
                duration_ms = round(seconds * 1000, 2)
                access_log.info(
                    "%s %s %s %.1f ms",
                    scope.get("method"),
                    scope.get("path"),
                    status,
                    duration_ms,
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": duration_ms,
                    },
                )
            metrics.current_app.reset(app_token)
            _request_id.reset(token)


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extra fields."""

    def __init__(self, app_name: str) -> None:
        super().__init__()
        self.app_name = app_name

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "app": self.app_name,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = current_request_id()
        if rid:
            entry["request_id"] = rid
        if telemetry.enabled:
            ids = telemetry.current_trace_ids()
            if ids is not None:
                entry["trace_id"], entry["span_id"] = ids
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain lines for a terminal (``hanke up``), with the request id (and trace id) when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = current_request_id()
        if rid:
            line += f" [request {rid}]"
            if telemetry.enabled and (ids := telemetry.current_trace_ids()) is not None:
                line = line[:-1] + f" trace {ids[0]}]"
        return line


def configure_logging(app_name: str, level: str = "INFO", json_logs: bool = True) -> None:
    """Send the app's logs to stderr, as JSON lines unless ``json_logs`` is false."""
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(JsonFormatter(app_name))
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_hanke", False):
            root.removeHandler(existing)
    handler._hanke = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
