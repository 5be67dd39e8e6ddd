"""Schemathesis, in process, against the gateway's own operations (the composed views, health)
over the stub services: no 5xx and every answer matches the published document, whatever the input.
The services' operations are covered in tests/contract against the services themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from gateway.config import Settings
from gateway.main import create_app
from hanke_libs.testing import bearer

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def schema(settings: Settings) -> Iterator[Any]:
    import schemathesis
    from schemathesis.python.asgi import shutdown_lifespans

    app = create_app(settings)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    try:
        yield loaded.include(tag_regex="^(views|health)$")
    finally:
        shutdown_lifespans()


def test_gateway_contract(schema: Any, settings: Settings) -> None:
    headers = bearer(settings, "admin", subject="person-2")
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def exercise(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert len(operations) >= 6, operations
    assert not any("budget" in label for label in operations)
    assert not failures, "\n\n".join(failures)
