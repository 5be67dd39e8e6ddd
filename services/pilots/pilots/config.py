"""Settings of the pilots service (environment variables prefixed ``HANKE_PILOTS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_PILOTS_", extra="ignore")

    port: int = 8002
    # The participants service: who is a champion of which pilot (GET /me/enrolments) and whether
    # a person id exists (GET /people/{id}/reference), asked as the caller (ADR 0001).
    participants_url: str = ""

    def service_name(self) -> str:
        return "pilots"

    def peer_urls(self) -> dict[str, str]:
        """The services this one asks for facts (hanke_libs.peers), by name."""
        return {"participants": self.participants_url or "http://127.0.0.1:8003"}

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.participants_url:
            problems.append("HANKE_PILOTS_PARTICIPANTS_URL is not set (the participants service's base URL)")
        return problems
