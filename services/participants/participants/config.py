"""Settings of the participants service (environment variables prefixed ``HANKE_PARTICIPANTS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_PARTICIPANTS_", extra="ignore")

    port: int = 8003

    def service_name(self) -> str:
        return "participants"
