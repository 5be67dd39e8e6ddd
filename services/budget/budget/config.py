"""Settings of the budget service (environment variables prefixed ``HANKE_BUDGET_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_BUDGET_", extra="ignore")

    port: int = 8001

    def service_name(self) -> str:
        return "budget"
