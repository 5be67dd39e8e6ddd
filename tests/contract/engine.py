"""Schemathesis' own engine, in process, with every phase and every check: the runner the contract
tests share (services in tests/contract, the gateway in tests/gateway/test_contract.py).

:func:`run_engine` loads the app's ``/openapi.json`` over ASGI, runs the examples, coverage, fuzzing
and stateful phases (stateful follows the OpenAPI ``links`` that ``hanke_libs.openapi_links`` derives
from the create operations) with every check schemathesis has, and returns a :class:`Report`: the
phases that ran, the operations and cases per phase, the elapsed time, and every failure with its
reproduction (curl) - the test asserts the failures are none.

``HANKE_CONTRACT_EXAMPLES`` bounds the examples per operation in the fuzzing phase (default 10),
``HANKE_CONTRACT_STEPS`` the stateful phase's scenarios (default 30).
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EXAMPLES = int(os.environ.get("HANKE_CONTRACT_EXAMPLES", "10"))
STEPS = int(os.environ.get("HANKE_CONTRACT_STEPS", "30"))
MAX_RESPONSE_SECONDS = 10.0  # generous: it catches a hang, not a slow CI machine
TESTING_PHASES = ("examples", "coverage", "fuzzing", "stateful")
ALL_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
    "missing_required_header",
    "ignored_auth",
    "object_level_authorization",
    "unsupported_method",
    "allow_header_conformance",
    "max_response_time",
)


# positive_data_acceptance expects 2xx (or 401/403/404/409) for any input the document allows. Two
# kinds of refusal of schema-valid input are rules about the data, which JSON Schema cannot state:
# - a problem of its own type (not the generic ``validation``): a rule of the domain with a message
#   saying what to do - an unknown pilot or person, a stale If-Match (the generator makes ETags up),
#   an opaque cursor the API did not hand out, an uploaded file's rows, dates out of the project;
# - ``validation`` whose every reason is one of UNSTATABLE: the bounds of a decimal sent as a string
#   (``"0"`` for an amount that must be positive: JSON Schema bounds numbers only) and the model
#   validators that relate fields (``Value error, period_end is before period_start``), a minimum
#   length counted after surrounding whitespace is stripped (``"\\r\\n0"`` has 1 character, not 3),
#   and a whole number written ``2.0`` (JSON Schema counts it an integer; the API asks for ``2``).
# Any other refusal (a ``validation`` problem for a shape the document allowed) still fails the run.
UNSTATABLE = (
    "Decimal input should have no more than",
    "Input should be greater than",
    "Input should be less than",
    "Value error, ",
    "after validation",
    "must be a whole number",
)
# missing_required_header expects 400/401/403/406/415/422 without a required header; a missing
# If-Match is answered 428 Precondition Required, the status RFC 6585 defines for exactly that.
MISSING_HEADER_STATUSES = ["400", "401", "403", "406", "415", "422", "428"]


@dataclass
class Report:
    phases: dict[str, str] = field(default_factory=dict)  # phase -> status (or skip reason)
    operations: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    cases: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)  # check name -> times it ran
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)  # refusals of domain rules and UNSTATABLE
    links: int = 0  # transitions the stateful phase could follow (declared links and inferred ones)
    seconds: float = 0.0

    def summary(self) -> str:
        per_phase = ", ".join(
            f"{p}: {len(self.operations[p])} operations, {self.cases[p]} cases" for p in TESTING_PHASES
        )
        return f"{per_phase}; {self.links} links to follow; {self.seconds:.1f}s; phases {self.phases}"

    def problems(self) -> str:
        return "\n\n".join([*self.errors, *self.failures])


def config(headers: Mapping[str, str], exclude_checks: Mapping[str, str] | None = None) -> Any:
    """Every phase and every check on (but those ``exclude_checks`` names, each with its reason)."""
    from schemathesis.config import SchemathesisConfig

    excluded = dict(exclude_checks or {})
    checks: dict[str, Any] = {name: {"enabled": name not in excluded} for name in ALL_CHECKS}
    checks["missing_required_header"]["expected-statuses"] = MISSING_HEADER_STATUSES
    if "max_response_time" not in excluded:
        checks["max_response_time"] = MAX_RESPONSE_SECONDS
    return SchemathesisConfig.from_dict(
        {
            "seed": 20211,
            "headers": dict(headers),
            "workers": 1,
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "checks": checks,
            "phases": {
                "examples": {"enabled": True, "fill-missing": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "generation": {"max-examples": STEPS}},
            },
        }
    )


def run_engine(
    app: Any, headers: Mapping[str, str], exclude_checks: Mapping[str, str] | None = None, schema: Any = None
) -> Report:
    """Every phase and check against ``app`` (or ``schema``, already loaded and filtered)."""
    import schemathesis
    from schemathesis.engine import Status, events, from_schema
    from schemathesis.python.asgi import shutdown_lifespans

    loaded = schema or schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=config(headers, exclude_checks)
    )
    report = Report()
    loaded.hook(_data_rule_filter(report))
    started = time.monotonic()
    try:
        for event in from_schema(loaded).execute():
            if isinstance(event, events.PhaseStarted) and event.payload is not None:
                report.links = event.payload.transitions_total
            elif isinstance(event, events.PhaseFinished):
                name = str(event.phase.name)
                if name in TESTING_PHASES:
                    skipped = event.phase.skip_reason
                    report.phases[name] = f"skipped: {skipped}" if skipped else str(event.status)
            elif isinstance(event, events.ScenarioFinished):
                _record(report, str(event.phase), event.recorder, event.status, Status)
            elif isinstance(event, events.NonFatalError):
                report.errors.append(f"error in {event.label} ({event.phase}): {event.info.format()[:1500]}")
            elif isinstance(event, events.FatalError):
                report.errors.append(f"fatal: {event.exception!r}")
    finally:
        shutdown_lifespans()
    report.seconds = time.monotonic() - started
    return report


def _stripped_too_short(error: dict[str, Any], case: Any) -> bool:
    """A minimum length the value met only with its surrounding whitespace (text is stripped first)."""
    if "String should have at least" not in str(error.get("reason", "")):
        return False
    path = str(error.get("name", "")).split(".")
    value: Any = case.body if path[:1] == ["body"] else None
    for key in path[1:]:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return False
    return isinstance(value, str) and value != value.strip()


def _unstatable(error: dict[str, Any], case: Any) -> bool:
    reason = str(error.get("reason", ""))
    return any(u in reason for u in UNSTATABLE) or _stripped_too_short(error, case)


def _data_rule_filter(report: Report) -> Any:
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        if "positive_data_acceptance" not in type(failure).checks:
            return True
        try:
            problem = response.json()
        except ValueError:
            return True
        kind = str(problem.get("type", "")).rsplit("/", 1)[-1] if isinstance(problem, dict) else ""
        errors = [e for e in problem.get("errors", []) if isinstance(e, dict)]
        domain_rule = bool(kind) and kind != "validation"
        if domain_rule or (errors and all(_unstatable(e, case) for e in errors)):
            report.accepted[f"{response.status_code} {kind}"] += 1
            return False
        return True

    return filter_failure


def _record(report: Report, phase: str, recorder: Any, status: Any, statuses: Any) -> None:
    for node in recorder.cases.values():
        report.operations[phase].add(node.value.operation.label)
    report.cases[phase] += len(recorder.cases)
    seen: set[tuple[str, str]] = set()
    for case_id, checks in recorder.checks.items():
        for check in checks:
            report.checks[check.name] += 1
            if check.status != statuses.FAILURE or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            key = (check.name, f"{failure.operation}: {failure.title}")
            if key in seen:
                continue
            seen.add(key)
            interaction = recorder.interactions.get(case_id)
            answer = ""
            if interaction is not None and interaction.response is not None:
                answer = f"-> {interaction.response.status_code} {interaction.response.content[:400]!r}"
            report.failures.append(
                f"[{phase}] {check.name} on {failure.operation}: {failure.title}\n"
                f"{str(failure.message)[:800]}\n{check.failure_info.code_sample[:1200]}\n{answer}"
            )
