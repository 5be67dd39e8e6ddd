"""The gateway's upstream calls in metrics (outcomes, route label of proxied paths) and in traces
(a client span per call, ``traceparent`` sent upstream by the gateway's own HTTP/1.1 client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from gateway.main import create_app
from hanke_libs import telemetry
from hanke_libs.testing import running
from tests.gateway.conftest import gateway_settings
from tests.gateway.servers import ServerThread, free_port

Auth = Callable[..., dict[str, str]]


def upstream_count(upstream: str, outcome: str) -> float:
    labels = {"app": "gateway", "upstream": upstream, "outcome": outcome}
    return REGISTRY.get_sample_value("hanke_upstream_requests_total", labels) or 0.0


def proxied_count(route: str, status_class: str) -> float:
    labels = {"app": "gateway", "method": "GET", "route": route, "status_class": status_class}
    return REGISTRY.get_sample_value("hanke_http_request_duration_seconds_count", labels) or 0.0


def tracing_upstream() -> FastAPI:
    app = FastAPI()

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.get("/context")
    async def context(request: Request) -> dict[str, str | None]:
        return {"traceparent": request.headers.get("traceparent")}

    return app


@pytest.fixture(scope="module")
def upstream() -> Iterator[ServerThread]:
    server = ServerThread(tracing_upstream()).start()
    try:
        yield server
    finally:
        server.stop()


async def test_upstream_outcomes_are_counted(client: httpx.AsyncClient, auth: Auth) -> None:
    ok, timeouts = upstream_count("budget", "ok"), upstream_count("budget", "timeout")
    route = proxied_count("/api/v1/budget/{path}", "2xx")
    assert (await client.get("/api/v1/budget/echo/1", headers=auth("finance"))).status_code == 200
    assert (await client.get("/api/v1/budget/slow", headers=auth("finance"))).status_code == 504
    assert upstream_count("budget", "ok") == ok + 1
    assert upstream_count("budget", "timeout") == timeouts + 1
    assert proxied_count("/api/v1/budget/{path}", "2xx") == route + 1


async def test_an_unreachable_upstream_is_counted_unavailable(auth: Auth) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = gateway_settings({"budget": dead, "pilots": dead, "participants": dead})
    before = upstream_count("pilots", "unavailable")
    async with running(create_app(settings)) as client:
        response = await client.get("/api/v1/pilots/pilots", headers=auth("admin"))
        assert response.status_code == 503
    assert upstream_count("pilots", "unavailable") == before + 1


async def test_proxied_calls_carry_the_trace_to_the_upstream(upstream: ServerThread, auth: Auth) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = gateway_settings(
        {"budget": upstream.url, "pilots": upstream.url, "participants": upstream.url}
    )
    with telemetry.use_tracer_provider(provider):
        app = create_app(settings)
    async with running(app) as client:
        response = await client.get("/api/v1/budget/context", headers=auth("finance"))
    assert response.status_code == 200, response.text
    provider.shutdown()

    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind == SpanKind.SERVER]
    assert [s.name for s in server] == ["GET /api/v1/budget/{path}"]
    calls = [s for s in spans if s.kind == SpanKind.CLIENT and s.name == "GET budget"]
    assert len(calls) == 1
    call = calls[0]
    assert call.parent is not None and call.parent.span_id == server[0].context.span_id
    assert call.attributes is not None and call.attributes["http.response.status_code"] == 200
    _, trace_id, parent_id, _ = response.json()["traceparent"].split("-")
    assert trace_id == format(server[0].context.trace_id, "032x")
    assert parent_id == format(call.context.span_id, "016x")
