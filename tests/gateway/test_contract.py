"""Schemathesis, in process, against the gateway's own operations (the composed views, health) over
the stub services: every phase and every check (tests/contract/engine.py), no failure whatever the
input. The services' operations are covered in tests/contract against the services themselves."""

from __future__ import annotations

import schemathesis

from gateway.config import Settings
from gateway.main import create_app
from hanke_libs.testing import bearer
from tests.contract.engine import config, run_engine


def test_gateway_contract(settings: Settings) -> None:
    headers = bearer(settings, "admin", subject="person-2")
    app = create_app(settings)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app, config=config(headers))
    report = run_engine(app, headers, schema=loaded.include(tag_regex="^(views|health)$"))
    print(f"\n{report.summary()}\nchecks run: {dict(report.checks)}\nlet through: {dict(report.accepted)}")
    operations = report.operations["coverage"] | report.operations["fuzzing"]
    assert len(operations) >= 6, operations
    assert not any("budget" in label for label in operations)
    assert not report.problems(), report.problems()[:20000]
    for phase in ("coverage", "fuzzing"):
        assert report.phases.get(phase) == "success", report.phases
