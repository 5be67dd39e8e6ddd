"""Schemathesis, in process, against every service's OpenAPI: no 5xx, and every response matches
the document the service publishes (body schema and content type), whatever the input.

Operations are driven with Hypothesis directly (schemathesis' lazy pytest fixture does not work with
this pytest), each operation with ``HANKE_CONTRACT_EXAMPLES`` generated cases (default 15), all
failures collected and reported together. The gateway's own contract is covered in tests/gateway.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = int(os.environ.get("HANKE_CONTRACT_EXAMPLES", "15"))


def run_contract(schema: Any) -> None:
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def exercise(case: Any) -> None:
            case.call_and_validate(headers=schema.hanke_headers, checks=CHECKS)

        try:
            exercise()
        except Exception as exc:  # collect every operation's failure, then fail once
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 0
    assert not failures, "\n\n".join(failures)


def test_budget_contract(budget_schema: Any) -> None:
    run_contract(budget_schema)


def test_pilots_contract(pilots_schema: Any) -> None:
    run_contract(pilots_schema)


def test_participants_contract(participants_schema: Any) -> None:
    run_contract(participants_schema)
