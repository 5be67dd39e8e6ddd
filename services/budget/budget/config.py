"""Settings of the budget service (environment variables prefixed ``HANKE_BUDGET_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings

DEV_PILOTS_URL = "http://127.0.0.1:8002"


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_BUDGET_", extra="ignore")

    port: int = 8001
    # The pilots service, asked whether a pilot exists and who owns it (budget.pilots).
    pilots_url: str = ""

    def service_name(self) -> str:
        return "budget"

    def resolved_pilots_url(self) -> str:
        return self.pilots_url or DEV_PILOTS_URL

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.pilots_url:
            problems.append("HANKE_BUDGET_PILOTS_URL is not set (the pilots service's base URL)")
        return problems
