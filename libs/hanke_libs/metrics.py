"""Prometheus metrics of every app, served at ``GET /metrics`` (admin token or the scrape token).

Public surface::

    observe_request(...)          the request histogram (called by the request-id middleware)
    set_route(scope, template)    name the route of a request no router matched (the gateway's proxy)
    record_upstream(...)          an upstream call's outcome and duration (gateway, peers)
    record_import(...)            an import's rows and rejections (services' import functions)
    register_scrape_gauge(...)    a gauge computed from the database when Prometheus scrapes
    count_rows_by(...)            such a gauge: the rows of a table by the value of one column
    metrics_router()              ``GET /metrics``

Series (every one labelled ``app``)::

    hanke_http_request_duration_seconds{method, route, status_class}   histogram, route template
    hanke_upstream_requests_total{upstream, outcome}                     ok | error | unavailable | timeout
    hanke_upstream_request_duration_seconds{upstream}                    histogram
    hanke_import_rows_total{kind, result}                                accepted | rejected
    hanke_imports_total{kind, outcome}                                   committed | dry_run | rejected
    hanke_audit_entries                                                  the audit trail's size (scrape time)
    hanke_claims{status} (budget)                                        registered by the service

Several worker processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (``hanke serve`` sets it for more
than one worker) every worker writes its samples there and a scrape of any worker answers the sum of
all of them; scrape-time gauges are computed by the worker that serves the scrape.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import column, func, select, table, text
from starlette.types import Scope

log = logging.getLogger("hanke.metrics")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED_ROUTE = "<unmatched>"
ROUTE_KEY = "hanke.route"

REQUEST_SECONDS = Histogram(
    "hanke_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status class.",
    ["app", "method", "route", "status_class"],
    buckets=LATENCY_BUCKETS,
)
UPSTREAM_REQUESTS = Counter(
    "hanke_upstream_requests",
    "Calls to another service by outcome: ok, error (a 5xx answer), unavailable, timeout.",
    ["app", "upstream", "outcome"],
)
UPSTREAM_SECONDS = Histogram(
    "hanke_upstream_request_duration_seconds",
    "Time an upstream call took (answered or not).",
    ["app", "upstream"],
    buckets=LATENCY_BUCKETS,
)
IMPORT_ROWS = Counter(
    "hanke_import_rows", "Rows read by imports: accepted or rejected.", ["app", "kind", "result"]
)
IMPORTS = Counter(
    "hanke_imports", "Imports run, by outcome: committed, dry_run or rejected.", ["app", "kind", "outcome"]
)

_STATUS_CLASS = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}
current_app: ContextVar[str | None] = ContextVar("hanke_metrics_app", default=None)
"""The app serving the current request (set by the request-id middleware): the ``app`` label."""
_process_app = "hanke"


def set_process_app(name: str) -> None:
    """The ``app`` label of series recorded outside a request (imports from the CLI)."""
    global _process_app
    _process_app = name


def _app_label() -> str:
    return current_app.get() or _process_app


def set_route(scope: Scope, template: str) -> None:
    """Name the route of a request that no framework router serves (e.g. ``/api/v1/budget/{path}``)."""
    scope[ROUTE_KEY] = template


def route_template(scope: Scope) -> str:
    """The route template a request matched, never its raw path (which callers choose)."""
    named = scope.get(ROUTE_KEY)
    if named:
        return str(named)
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else UNMATCHED_ROUTE


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_request_series: dict[tuple[str, str, str, int], Any] = {}


def observe_request(app: str, method: str, scope: Scope, status: int, seconds: float) -> str:
    """Record one answered request; returns the route template it was recorded under.

    Label values come from a bounded set (route templates, known methods, status classes), and
    each series' child is looked up once (``labels()`` costs more than the observation itself).
    """
    template = route_template(scope)
    if method not in _METHODS:
        method = "other"  # callers choose methods too
    key = (app, method, template, status // 100)
    series = _request_series.get(key)
    if series is None:
        series = REQUEST_SECONDS.labels(app, method, template, _STATUS_CLASS.get(status // 100, "other"))
        _request_series[key] = series
    series.observe(seconds)
    return template


def record_upstream(upstream: str, outcome: str, seconds: float) -> None:
    """One call to ``upstream``: ``ok``, ``error`` (answered 5xx), ``unavailable`` or ``timeout``."""
    app = _app_label()
    UPSTREAM_REQUESTS.labels(app, upstream, outcome).inc()
    UPSTREAM_SECONDS.labels(app, upstream).observe(seconds)


def record_import(kind: str, *, accepted: int, rejected: int, committed: bool) -> None:
    """One import run of ``kind`` (``hr_people``, ``ledger``, ...): its rows and how it ended.

    ``rejected`` is the number of bad rows; an import with any is rejected whole.
    """
    app = _app_label()
    IMPORT_ROWS.labels(app, kind, "accepted").inc(accepted)
    IMPORT_ROWS.labels(app, kind, "rejected").inc(rejected)
    outcome = "rejected" if rejected else ("committed" if committed else "dry_run")
    IMPORTS.labels(app, kind, outcome).inc()


@contextlib.contextmanager
def counted_import(kind: str, *, committed: bool) -> Iterator[Callable[[int], None]]:
    """Count one import run around the code that does it: call the yielded function with the rows
    accepted; a problem raised (the file rejected whole) counts its listed errors as rejected rows.

        with counted_import("ledger", committed=not dry_run) as accepted:
            report = await import_ledger(...)
            accepted(report.rows)
    """
    rows = 0

    def accepted(count: int) -> None:
        nonlocal rows
        rows = count

    from hanke_libs.problems import ProblemError

    try:
        yield accepted
    except ProblemError as exc:
        record_import(kind, accepted=0, rejected=len(exc.errors or []) or 1, committed=False)
        raise
    record_import(kind, accepted=rows, rejected=0, committed=committed)


# --- gauges computed when Prometheus scrapes ---------------------------------------------------

Sample = tuple[Sequence[str], float]
GaugeCallback = Callable[[FastAPI], Awaitable[list[Sample]]]


@dataclass(frozen=True)
class ScrapeGauge:
    name: str
    documentation: str
    labels: tuple[str, ...]
    callback: GaugeCallback


def register_scrape_gauge(
    app: FastAPI, name: str, documentation: str, callback: GaugeCallback, labels: Sequence[str] = ()
) -> None:
    """Add a gauge to ``app``'s ``/metrics``, computed by ``callback(app)`` at each scrape.

    The callback returns ``[(label values, value), ...]``; a failing callback leaves the gauge out of
    that scrape (and is logged) rather than failing the scrape.
    """
    gauges: list[ScrapeGauge] = app.state.scrape_gauges
    gauges.append(ScrapeGauge(name, documentation, tuple(labels), callback))


def count_rows_by(app: FastAPI, name: str, documentation: str, *, table_name: str, group_by: str) -> None:
    """A scrape gauge: the rows of ``table_name`` in the app's database by the value of ``group_by``."""
    t = table(table_name, column(group_by))
    stmt = select(t.c[group_by], func.count()).group_by(t.c[group_by])

    async def collect(app: FastAPI) -> list[Sample]:
        async with app.state.db.read_engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [((str(value),), float(count)) for value, count in rows]

    register_scrape_gauge(app, name, documentation, collect, labels=(group_by,))


async def audit_entries(app: FastAPI) -> list[Sample]:
    """The size of the app's append-only audit trail (every service has one)."""
    from hanke_libs.audit import AUDIT_TABLE

    async with app.state.db.read_engine.connect() as conn:
        count = (await conn.execute(text(f"SELECT count(*) FROM {AUDIT_TABLE}"))).scalar_one()
    return [((), float(count))]


class _Snapshot(Collector):
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> Any:
        return iter(self.families)


async def _scrape_gauges(app: FastAPI, app_name: str) -> bytes:
    families: list[GaugeMetricFamily] = []
    for gauge in app.state.scrape_gauges:
        try:
            samples = await gauge.callback(app)
        except Exception as exc:  # one gauge failing must not fail the scrape
            log.warning("scrape gauge %s failed: %s", gauge.name, type(exc).__name__)
            continue
        family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=["app", *gauge.labels])
        for values, value in samples:
            family.add_metric([app_name, *values], value)
        families.append(family)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(families))
    return generate_latest(registry)


def _process_metrics() -> bytes:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


_bearer = HTTPBearer(auto_error=False)


async def _metrics_access(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """The scrape token, or a bearer token with the admin role: 401 without either, 403 for others."""
    from hanke_libs.auth import Role, get_verifier
    from hanke_libs.problems import Forbidden, Unauthorized

    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("Metrics need a bearer token: the scrape token or an admin's token.")
    expected = request.app.state.settings.metrics_token
    if expected and hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        return
    principal = await get_verifier(request).verify(credentials.credentials)
    if not principal.has(Role.admin):
        raise Forbidden("Metrics are for the admin role or the scrape token.", required_roles=["admin"])


def metrics_router(app_name: str) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False, dependencies=[Depends(_metrics_access)])
    async def metrics(request: Request) -> Response:
        body = _process_metrics() + await _scrape_gauges(request.app, app_name)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
