"""``GET /metrics``: Prometheus series by route template, scrape-time gauges, access control."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hanke_libs import metrics
from hanke_libs.settings import AppSettings
from hanke_libs.testing import bearer, running
from tests.libs.conftest import make_app

SCRAPE_TOKEN = "scrape-" + "x" * 40


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """``{sorted label pairs: value}`` of every sample called ``name`` in a scrape."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    """The value of the one sample ``name`` with (at least) ``labels``; 0 when absent."""
    matching = [v for key, v in samples(text, name).items() if set(labels.items()) <= set(key)]
    assert len(matching) <= 1, f"{name}{labels} is ambiguous: {matching}"
    return matching[0] if matching else 0.0


async def scrape(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    resp = await client.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return resp.text


async def test_request_histogram_is_labelled_by_route_template_not_raw_path(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    admin = auth("admin")
    before = await scrape(client, admin)
    for entry_id in (987654, 987655, 987656):
        assert (await client.get(f"/fast/{entry_id}", headers=admin)).status_code == 404
    assert (await client.get("/things", headers=admin)).status_code == 200
    assert (await client.get("/no/such/path/424242", headers=admin)).status_code == 404
    after = await scrape(client, admin)

    name = "hanke_http_request_duration_seconds_count"
    labels = {"app": "libs-test", "method": "GET"}
    fast = {**labels, "route": "/fast/{entry_id}", "status_class": "4xx"}
    assert value(after, name, **fast) - value(before, name, **fast) == 3
    things = {**labels, "route": "/things", "status_class": "2xx"}
    assert value(after, name, **things) - value(before, name, **things) == 1
    unmatched = {**labels, "route": "<unmatched>", "status_class": "4xx"}
    assert value(after, name, **unmatched) - value(before, name, **unmatched) == 1
    # A raw path (callers choose those) never becomes a label value.
    assert "987654" not in after and "424242" not in after
    # The buckets of the histogram are there for the template, cumulative up to +Inf.
    buckets = {
        dict(k)["le"]: v
        for k, v in samples(after, "hanke_http_request_duration_seconds_bucket").items()
        if things.items() <= dict(k).items()
    }
    assert buckets["+Inf"] == value(after, name, **things) and buckets["0.001"] <= buckets["+Inf"]


async def test_metrics_need_the_admin_role_or_the_scrape_token(
    libs_database: object, settings: AppSettings
) -> None:
    settings = settings.model_copy(update={"metrics_token": SCRAPE_TOKEN})
    async with running(make_app(settings)) as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        refused = await client.get("/metrics", headers=bearer(settings, "auditor"))
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert (await client.get("/metrics", headers=bearer(settings, "admin"))).status_code == 200
        scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
        assert scraped.status_code == 200 and "hanke_audit_entries" in scraped.text
        # /metrics is not in the API description.
        assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]


async def test_audit_trail_size_and_grouped_row_counts_are_read_at_scrape_time(
    settings: AppSettings, auth: Callable[..., dict[str, str]]
) -> None:
    app = make_app(settings)
    metrics.count_rows_by(
        app,
        "hanke_test_audit_by_action",
        "Audit entries by action.",
        table_name="audit_entry",
        group_by="action",
    )
    admin = auth("admin")
    async with running(app) as client:
        first = await scrape(client, admin)
        assert value(first, "hanke_audit_entries", app="libs-test") == 0
        for name in ("a", "b", "c"):
            assert (await client.post("/things", json={"name": name}, headers=admin)).status_code == 201
        second = await scrape(client, admin)
    assert value(second, "hanke_audit_entries", app="libs-test") == 3
    assert value(second, "hanke_test_audit_by_action", app="libs-test", action="create") == 3


async def test_a_failing_scrape_gauge_is_left_out_not_a_failed_scrape(
    settings: AppSettings, auth: Callable[..., dict[str, str]]
) -> None:
    app = make_app(settings)
    metrics.count_rows_by(
        app, "hanke_test_missing", "No such table.", table_name="no_such_table", group_by="x"
    )
    async with running(app) as client:
        text = await scrape(client, auth("admin"))
    assert "hanke_test_missing" not in text and "hanke_audit_entries" in text


def test_import_rows_and_rejections_are_counted() -> None:
    from prometheus_client import REGISTRY

    def get(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"app": "hanke-test-imports", **labels}) or 0.0

    metrics.set_process_app("hanke-test-imports")
    metrics.record_import("ledger", accepted=120, rejected=0, committed=True)
    metrics.record_import("ledger", accepted=7, rejected=3, committed=False)
    metrics.record_import("ledger", accepted=5, rejected=0, committed=False)
    assert get("hanke_import_rows_total", kind="ledger", result="accepted") == 132
    assert get("hanke_import_rows_total", kind="ledger", result="rejected") == 3
    assert get("hanke_imports_total", kind="ledger", outcome="committed") == 1
    assert get("hanke_imports_total", kind="ledger", outcome="rejected") == 1
    assert get("hanke_imports_total", kind="ledger", outcome="dry_run") == 1


WORKER = """
import sys
from hanke_libs import metrics
metrics.set_process_app("multi")
metrics.record_import("hr_people", accepted=int(sys.argv[1]), rejected=0, committed=True)
"""
SCRAPER = """
from hanke_libs import metrics
print(metrics._process_metrics().decode())
"""


def test_several_worker_processes_are_summed_through_the_multiprocess_directory(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for rows in ("10", "32"):
        subprocess.run([sys.executable, "-c", WORKER, rows], env=env, check=True, timeout=60)
    out = subprocess.run(
        [sys.executable, "-c", SCRAPER], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    assert value(out, "hanke_import_rows_total", app="multi", result="accepted") == 42
    assert value(out, "hanke_imports_total", app="multi", outcome="committed") == 2


@pytest.mark.parametrize("token", ["short", "changeme", "x" * 31])
def test_production_refuses_a_weak_scrape_token(token: str) -> None:
    problems = AppSettings(metrics_token=token).production_problems()
    assert any("METRICS_TOKEN" in p for p in problems)
    assert not any("METRICS_TOKEN" in p for p in AppSettings(metrics_token="y" * 40).production_problems())


async def test_unknown_methods_share_one_label(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    admin = auth("admin")
    for method in ("BREW", "WHEN"):
        await client.request(method, "/things", headers=admin)
    text = await scrape(client, admin)
    methods = {dict(k)["method"] for k in samples(text, "hanke_http_request_duration_seconds_count")}
    assert "other" in methods and not {"BREW", "WHEN"} & methods
