"""The load and fault suite's short form (``benchmarks/loadfault``): marked ``load`` so that it can
be left out locally with ``-m "not load"``; it runs by default, in CI too. Its figures are printed
at the end of the session (pass or fail)."""

from __future__ import annotations

import pytest

FIGURES = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "load: the load and fault suite's short form (own PostgreSQL cluster, about a minute)"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    text = config.stash.get(FIGURES, None)
    if text:
        terminalreporter.write_sep("=", "load and fault suite (short form)")
        terminalreporter.write_line(text)
