"""Tracing: one trace over an incoming request, its database statement and an outgoing call whose
``traceparent`` reaches the called service; trace ids in log lines; off by default."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from hanke_libs import telemetry
from hanke_libs.app import create_base_app
from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep
from hanke_libs.observability import JsonFormatter
from hanke_libs.peers import PeerClient, peer
from hanke_libs.settings import AppSettings
from hanke_libs.testing import bearer, running
from tests.libs.conftest import make_app


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    with telemetry.use_tracer_provider(provider):
        yield memory
    provider.shutdown()


def called_service() -> FastAPI:
    """A second app the traced one calls: it answers the trace context it was sent."""
    app = create_base_app(
        name="libs-peer",
        title="peer",
        version="0",
        description="",
        settings=AppSettings(),
        use_database=False,
    )

    @app.get("/facts/{key}")
    async def fact(key: str, request: Request) -> dict[str, Any]:
        return {"key": key, "traceparent": request.headers.get("traceparent")}

    return app


def traced_app(settings: AppSettings) -> FastAPI:
    app = make_app(settings)

    @app.get("/work/{key}")
    async def work(key: str, request: Request, session: SessionDep, who: CurrentPrincipal) -> dict[str, Any]:
        conn = await session.connection()
        entries = (await conn.execute(text("SELECT count(*) FROM audit_entry"))).scalar_one()
        answer = await peer(request, "facts").get(f"/facts/{key}", who)
        return {"entries": entries, "peer": answer.body}

    app.state.peers = {
        "facts": PeerClient("facts", "http://facts", transport=httpx.ASGITransport(app=called_service()))
    }
    return app


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    matching = [s for s in spans if s.name == name]
    assert len(matching) == 1, [s.name for s in spans]
    return matching[0]


async def test_one_trace_covers_the_request_its_statement_and_the_call_it_makes(
    exporter: InMemorySpanExporter, settings: AppSettings
) -> None:
    app = traced_app(settings)
    async with running(app) as client:
        resp = await client.get("/work/k1", headers=bearer(settings, "admin"))
        assert resp.status_code == 200, resp.text
        assert (await client.get("/livez")).status_code == 200  # probes are not traced
    spans = exporter.get_finished_spans()

    server = by_name(spans, "GET /work/{key}")
    assert server.kind == SpanKind.SERVER and server.parent is None
    trace_id = server.context.trace_id
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/work/{key}"
    assert server.attributes["hanke.request_id"] == resp.headers["x-request-id"]

    statements = [s for s in spans if s.kind == SpanKind.CLIENT and s.name.startswith("SELECT")]
    assert statements, [s.name for s in spans]
    statement = statements[0]
    assert statement.context.trace_id == trace_id
    assert statement.attributes is not None and "count(*)" in str(statement.attributes.get("db.statement"))

    outgoing = [s for s in spans if s.kind == SpanKind.CLIENT and s.name.startswith("GET")]
    assert len(outgoing) == 1, [s.name for s in spans]
    call = outgoing[0]
    assert call.context.trace_id == trace_id and call.parent is not None
    assert call.parent.span_id == server.context.span_id

    # The called service continued the same trace under the outgoing call's span.
    remote = by_name(spans, "GET /facts/{key}")
    assert remote.context.trace_id == trace_id
    assert remote.parent is not None and remote.parent.span_id == call.context.span_id
    traceparent = resp.json()["peer"]["traceparent"]
    assert traceparent.split("-")[1] == format(trace_id, "032x")
    assert traceparent.split("-")[2] == format(call.context.span_id, "016x")
    assert not [s for s in spans if s.name.endswith("/livez")]


async def test_a_caller_trace_is_continued(exporter: InMemorySpanExporter, settings: AppSettings) -> None:
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {**bearer(settings, "admin"), "traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"}
    async with running(make_app(settings)) as client:
        assert (await client.get("/things", headers=headers)).status_code == 200
    server = by_name(exporter.get_finished_spans(), "GET /things")
    assert format(server.context.trace_id, "032x") == caller_trace


async def test_log_lines_carry_the_request_and_trace_ids(exporter: InMemorySpanExporter) -> None:
    provider = telemetry.tracer_provider_for("libs-test", AppSettings())
    assert provider is not None
    record = logging.LogRecord("hanke.test", logging.INFO, __file__, 1, "hello", (), None)
    with provider.get_tracer("test").start_as_current_span("work") as span:
        line = json.loads(JsonFormatter("libs-test").format(record))
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")


async def test_tracing_is_off_without_a_collector(
    settings: AppSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert telemetry.tracer_provider_for("x", settings) is None
    app = make_app(settings)
    assert app.state.tracer_provider is None
    names = [m.cls.__name__ for m in app.user_middleware]  # type: ignore[attr-defined]
    assert "RequestIdMiddleware" in names and "OpenTelemetryMiddleware" not in names
    async with running(app) as client:
        resp = await client.get("/things", headers=bearer(settings, "admin"))
        assert resp.status_code == 200 and "traceparent" not in resp.headers


def test_a_configured_collector_gets_an_otlp_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.invalid:4318")
    provider = telemetry.tracer_provider_for("budget", AppSettings(otel_sample_ratio=0.25), "1.0")
    assert provider is not None
    try:
        assert provider.resource.attributes["service.name"] == "hanke-budget"
        assert "0.25" in provider.sampler.get_description()
        processor = provider._active_span_processor._span_processors[0]
        assert processor._batch_processor._exporter._endpoint == "http://collector.invalid:4318/v1/traces"
    finally:
        provider.shutdown()


async def test_plain_log_lines_carry_the_request_id_too(settings: AppSettings) -> None:
    from hanke_libs.observability import TextFormatter

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(TextFormatter().format(record))

    access = logging.getLogger("hanke.access")
    handler = Keep()
    access.addHandler(handler)
    try:
        async with running(make_app(settings)) as client:
            resp = await client.get("/things", headers=bearer(settings, "admin"))
    finally:
        access.removeHandler(handler)
    assert any(f"[request {resp.headers['x-request-id']}]" in line for line in lines), lines
