"""Schemathesis, in process (ASGI), against every service on a migrated, seeded database: all its
phases (examples, coverage, fuzzing, stateful - following the OpenAPI links of
``hanke_libs.openapi_links`` from each create to the item's reads and writes) with every check it
has (tests/contract/engine.py ``ALL_CHECKS``). No failure and no engine error is allowed; the only
refusals let through are the data rules a JSON Schema cannot state (``engine.UNSTATABLE`` and
problems of a domain type, explained there).

Bounded by ``HANKE_CONTRACT_EXAMPLES`` (fuzzing cases per operation) and ``HANKE_CONTRACT_STEPS``
(stateful scenarios). The gateway's own operations: tests/gateway/test_contract.py.
"""

from __future__ import annotations

from hanke_libs.testing import MigratedDatabase
from tests.contract.conftest import App, build_app
from tests.contract.engine import ALL_CHECKS, TESTING_PHASES, Report, config, run_engine

# Every check runs on every case it applies to. One is enabled but cannot fire here:
# object_level_authorization replays a read as each *other* configured identity (schemathesis' auth
# peers); the run has one admin token, so it finds no peer. The route x role matrix (tests/access)
# covers reads across identities instead.


Databases = dict[str, MigratedDatabase]


def check(app: App, minimum_operations: int) -> Report:
    report = run_engine(*app)
    print(f"\n{report.summary()}\nchecks run: {dict(report.checks)}\nlet through: {dict(report.accepted)}")
    assert not report.problems(), report.problems()[:20000]
    for phase in ("coverage", "fuzzing"):
        assert report.phases.get(phase) == "success", report.phases
        assert len(report.operations[phase]) >= minimum_operations, report.summary()
    assert report.phases.get("stateful") == "success", report.phases
    assert report.cases["stateful"] > 0 and len(report.operations["stateful"]) >= 3, report.summary()
    assert report.links >= 3, report.summary()  # the declared links (hanke_libs.openapi_links)
    assert set(report.phases) == set(TESTING_PHASES), report.phases
    assert {name for name, n in report.checks.items() if n > 0} == set(ALL_CHECKS), report.checks
    return report


def test_budget_contract(contract_databases: Databases) -> None:
    check(build_app("budget", contract_databases["budget"]), 40)


def test_pilots_contract(contract_databases: Databases) -> None:
    check(build_app("pilots", contract_databases["pilots"]), 45)


def test_participants_contract(contract_databases: Databases) -> None:
    check(build_app("participants", contract_databases["participants"]), 40)


def test_reports_contract(contract_databases: Databases) -> None:
    check(build_app("reports", contract_databases["reports"]), 15)


def test_every_phase_and_every_check_schemathesis_has_is_on() -> None:
    """The engine's configuration names every check schemathesis registers (a new one is not
    silently left out) and turns on every phase."""
    import schemathesis.specs.openapi.checks  # noqa: F401 - registers the OpenAPI checks
    from schemathesis.checks import CHECKS

    project = config({"Authorization": "Bearer x"}).projects.get_default()
    assert set(CHECKS.get_all_names()) <= set(ALL_CHECKS)
    assert [name for name in ALL_CHECKS if not getattr(project.checks, name).enabled] == []
    assert [phase for phase in TESTING_PHASES if not getattr(project.phases, phase).enabled] == []
    assert project.phases.examples.fill_missing  # operations without an example get one generated
