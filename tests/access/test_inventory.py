"""OWASP API9 (inventory): every route each app serves is in its access table, and every row of
the table is a route the app serves."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.access.matrix import DOCS, app_routes, load

APPS = sorted(p.stem for p in DOCS.glob("*.md") if p.stem != "README")


def build(app_name: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    config = importlib.import_module(f"{app_name}.config")
    settings = config.Settings(database_url=f"sqlite:///{tmp_path}/{app_name}.db", log_json=False)
    return importlib.import_module(f"{app_name}.main").create_app(settings)


def test_every_app_has_a_table() -> None:
    assert set(APPS) == {"budget", "pilots", "participants", "reports", "gateway"}


@pytest.mark.parametrize("app_name", APPS)
def test_table_matches_the_routes(app_name: str, tmp_path: Path) -> None:
    served = app_routes(build(app_name, tmp_path))
    listed = set(load(app_name))
    missing = sorted(served - listed)
    stale = sorted(listed - served)
    assert not missing, f"routes of {app_name} missing from docs/access/{app_name}.md: {missing}"
    assert not stale, f"rows of docs/access/{app_name}.md that {app_name} does not serve: {stale}"
