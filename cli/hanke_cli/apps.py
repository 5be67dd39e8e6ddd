"""The apps of the product, as the command line sees them."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hanke_libs.db import Database
from hanke_libs.settings import AppSettings


@dataclass(frozen=True)
class AppSpec:
    name: str
    module: str  # the package: <module>.main:create_app, <module>.config:Settings
    has_database: bool = True

    def settings(self) -> AppSettings:
        config = importlib.import_module(f"{self.module}.config")
        settings: AppSettings = config.Settings()
        return settings

    @property
    def factory(self) -> str:
        return f"{self.module}.main:create_app"

    def migrate(self, url: str) -> None:
        importlib.import_module(f"{self.module}.db").migrate(url)

    def seeder(self) -> Callable[[Database], Awaitable[list[str]]] | None:
        try:
            module: Any = importlib.import_module(f"{self.module}.seed")
        except ModuleNotFoundError:
            return None
        seed: Callable[[Database], Awaitable[list[str]]] = module.seed
        return seed


SERVICES = [
    AppSpec("budget", "budget"),
    AppSpec("pilots", "pilots"),
    AppSpec("participants", "participants"),
    AppSpec("reports", "reports"),
]
GATEWAY = AppSpec("gateway", "gateway", has_database=False)
ALL_APPS = [GATEWAY, *SERVICES]


def service(name: str) -> AppSpec:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(name)
