"""OpenTelemetry tracing: incoming requests, outgoing calls, database statements.

Off by default: with no collector configured (``HANKE_<APP>_OTEL_ENDPOINT`` or the standard
``OTEL_EXPORTER_OTLP_ENDPOINT``) nothing is installed and nothing is imported beyond this module,
so a request pays nothing. With one, each app gets its own tracer provider (``service.name``
``hanke-<app>``) exporting by OTLP/HTTP in batches, and:

* every incoming request is a server span (the ASGI middleware, outermost, so the gateway's proxy
  is inside it), named ``METHOD /route/{template}`` once the route is known, with the request id;
* every statement on the app's SQLAlchemy engine is a client span (``EngineTracer`` on the async
  engine's ``sync_engine``);
* every call of the app's httpx clients (``hanke_libs.peers``) is a client span and carries the
  W3C ``traceparent`` header; the gateway's own HTTP/1.1 client does the same through
  :func:`upstream_call`, which also counts the call in the metrics;
* log lines carry ``trace_id`` and ``span_id``.

Public surface::

    tracer_provider_for(name, settings)   the app's provider, or None when tracing is off
    use_tracer_provider(provider)         tests: every app made inside uses ``provider``
    install_server_tracing(app, provider) the ASGI server-span middleware
    instrument_engine(engine, provider)   database statement spans
    instrument_httpx(client, provider)    outgoing httpx call spans with propagation
    upstream_call(upstream, headers)      an outgoing call by another client: span, traceparent, metrics
    current_trace_ids()                   (trace id, span id) of the current span, for logs
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from hanke_libs import metrics

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer
    from sqlalchemy.ext.asyncio import AsyncEngine

    from hanke_libs.settings import AppSettings

EXCLUDED_PATHS = "/livez$,/readyz$,/metrics$"

_override: TracerProvider | None = None
_tracer: ContextVar[Tracer | None] = ContextVar("hanke_tracer", default=None)
enabled = False
"""True once any app in this process traces (log lines then look up the current span)."""


@contextlib.contextmanager
def use_tracer_provider(provider: TracerProvider) -> Iterator[TracerProvider]:
    """Make every app created inside the block trace to ``provider`` (tests: an in-memory exporter)."""
    global _override
    previous, _override = _override, provider
    try:
        yield provider
    finally:
        _override = previous


def is_override(provider: object) -> bool:
    """Whether ``provider`` was given by :func:`use_tracer_provider` (the caller shuts it down)."""
    return provider is _override


def tracer_provider_for(name: str, settings: AppSettings, version: str = "") -> TracerProvider | None:
    """The tracer provider of the app ``name``: None when no collector is configured."""
    global enabled
    if _override is not None:
        enabled = True
        return _override
    endpoint = settings.resolved_otel_endpoint()
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=Resource.create({"service.name": f"hanke-{name}", "service.version": version}),
        sampler=ParentBased(TraceIdRatioBased(settings.otel_sample_ratio)),
    )
    url = endpoint.rstrip("/")
    if not url.endswith("/v1/traces"):
        url += "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    enabled = True
    return provider


def _method_only(scope: Any) -> tuple[str, dict[str, Any]]:
    # The raw path is the caller's choice: the span is renamed by route template when it is known.
    return str(scope.get("method") or "HTTP"), {}


def install_server_tracing(app: FastAPI, provider: TracerProvider) -> None:
    """A server span around every request except the probes and ``/metrics``.

    Added after the request-id middleware, so it is outside it: the request id, the access log line
    and everything below run inside the span.
    """
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    app.add_middleware(
        OpenTelemetryMiddleware,
        tracer_provider=provider,
        excluded_urls=EXCLUDED_PATHS,
        default_span_details=_method_only,
        exclude_spans=["receive", "send"],
    )
    app.state.tracer = provider.get_tracer("hanke")


def enter_request(app_tracer: Tracer) -> Any:
    """Make ``app_tracer`` the one :func:`upstream_call` uses in this request, if the request is
    traced (not a probe); returns the reset token for :func:`leave_request`."""
    from opentelemetry import trace

    return _tracer.set(app_tracer if trace.get_current_span().is_recording() else None)


def leave_request(token: Any) -> None:
    _tracer.reset(token)


def name_server_span(method: str, template: str, request_id: str) -> None:
    """Name the current server span by its route template and tag it with the request id."""
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {template}")
        span.set_attribute("http.route", template)
        span.set_attribute("hanke.request_id", request_id)


def instrument_engine(engine: AsyncEngine, provider: TracerProvider) -> None:
    """A client span for every statement run on ``engine`` (once per engine)."""
    sync_engine = engine.sync_engine
    if getattr(sync_engine, "_hanke_traced", False):
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeterProvider

    tracer = provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    usage = NoOpMeterProvider().get_meter("hanke").create_up_down_counter("db.client.connections.usage")
    EngineTracer(tracer, sync_engine, usage)
    sync_engine._hanke_traced = True  # type: ignore[attr-defined]


def instrument_httpx(client: httpx.AsyncClient, provider: TracerProvider) -> None:
    """A client span for every call of ``client``, with ``traceparent`` sent along."""
    if getattr(client, "_is_instrumented_by_opentelemetry", False):
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)


class UpstreamCall:
    """What :func:`upstream_call` yields: the headers to send, and where to put the answer's status."""

    __slots__ = ("headers", "status")

    def __init__(self, headers: Mapping[str, str] | None) -> None:
        self.headers = headers
        self.status = 0


def _outcome(exc: BaseException | None, status: int) -> str:
    if exc is None:
        return "error" if status >= 500 else "ok"
    if isinstance(exc, TimeoutError) or getattr(exc, "status", None) == 504:
        return "timeout"
    return "unavailable"


@contextlib.asynccontextmanager
async def upstream_call(
    upstream: str, method: str, target: str, headers: Mapping[str, str] | None
) -> AsyncIterator[UpstreamCall]:
    """Wrap one call to ``upstream`` made by a client httpx instrumentation does not see.

    Counts it (``hanke_upstream_requests_total``: ok, error for a 5xx answer, timeout for
    ``TimeoutError`` or a 504 problem, unavailable for any other exception) and, when tracing, makes
    a client span and adds ``traceparent`` to a copy of ``headers``::

        async with upstream_call("budget", method, target, headers) as call:
            resp = await send(method, target, call.headers)
            call.status = resp.status
    """
    tracer = _tracer.get()
    call = UpstreamCall(headers)
    started = time.perf_counter()
    if tracer is None:
        try:
            yield call
        except BaseException as exc:
            metrics.record_upstream(upstream, _outcome(exc, 0), time.perf_counter() - started)
            raise
        metrics.record_upstream(upstream, _outcome(None, call.status), time.perf_counter() - started)
        return

    from opentelemetry import propagate
    from opentelemetry.trace import SpanKind, Status, StatusCode

    path = target.split("?", 1)[0]
    with tracer.start_as_current_span(
        f"{method} {upstream}",
        kind=SpanKind.CLIENT,
        attributes={"http.request.method": method, "url.path": path, "peer.service": upstream},
    ) as span:
        sent = dict(headers or {})
        propagate.inject(sent)
        call.headers = sent
        try:
            yield call
        except BaseException as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            metrics.record_upstream(upstream, _outcome(exc, 0), time.perf_counter() - started)
            raise
        span.set_attribute("http.response.status_code", call.status)
        if call.status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        metrics.record_upstream(upstream, _outcome(None, call.status), time.perf_counter() - started)


def current_trace_ids() -> tuple[str, str] | None:
    """The current span's trace and span ids (hex), or None outside a recorded span."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
