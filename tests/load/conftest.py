"""The load and fault suite's short form (``benchmarks/loadfault``): marked ``load`` so that it can
be left out locally with ``-m "not load"``; it runs by default, in CI too."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "load: the load and fault suite's short form (own PostgreSQL cluster, about a minute)"
    )
