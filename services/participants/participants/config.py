"""Settings of the participants service (environment variables prefixed ``HANKE_PARTICIPANTS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings

DEV_PILOTS_URL = "http://127.0.0.1:8002"


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_PARTICIPANTS_", extra="ignore")

    port: int = 8003
    # The pilots service, asked as the caller whether a pilot exists, which project it belongs to
    # and whether the caller owns it (hanke_libs.peers); required in production.
    pilots_url: str = ""
    # Where provisioning clients reach SCIM (SCIM meta.location, Location, $ref): empty means the
    # gateway's /scim/v2 on the origin of PUBLIC_BASE_URL.
    scim_public_base_url: str = ""

    def service_name(self) -> str:
        return "participants"

    def peer_urls(self) -> dict[str, str]:
        return {"pilots": self.pilots_url or DEV_PILOTS_URL}

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.pilots_url:
            problems.append("HANKE_PARTICIPANTS_PILOTS_URL is not set (the pilots service's base URL)")
        return problems
