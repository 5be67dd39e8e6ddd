"""Settings of the pilots service (environment variables prefixed ``HANKE_PILOTS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_PILOTS_", extra="ignore")

    port: int = 8002

    def service_name(self) -> str:
        return "pilots"
