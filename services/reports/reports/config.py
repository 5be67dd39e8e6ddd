"""Settings of the reports service (environment variables prefixed ``HANKE_REPORTS_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings

UPSTREAMS = ("budget", "pilots", "participants")


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_REPORTS_", extra="ignore")

    port: int = 8004
    # The services a report is drafted from (read over HTTP with the caller's token, never their tables).
    budget_url: str = "http://127.0.0.1:8001"
    pilots_url: str = "http://127.0.0.1:8002"
    participants_url: str = "http://127.0.0.1:8003"
    # Each upstream call has this timeout; a whole draft has the deadline.
    peer_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    draft_deadline_seconds: float = Field(default=20.0, gt=0, le=300)
    # A report shows live data: answers from the other services are never reused.
    peer_cache_seconds: float = Field(default=0.0, ge=0, le=300)
    # Where people reach the gateway: the base of absolute links in PDF and DOCX documents and of the
    # calendar feed URLs handed out (HTML documents and JSON keep path-absolute /api/v1/... links).
    gateway_base_url: str = "http://127.0.0.1:8000"
    # Notifications: SMTP when a host is set, otherwise a log line per message (development).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_from: str = "hanke-noreply@kuopio.example"
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    # A notification claimed by a worker that has not finished within this time is claimed again.
    outbox_lease_seconds: int = Field(default=300, ge=10, le=86400)
    outbox_batch_size: int = Field(default=20, ge=1, le=500)
    outbox_max_attempts: int = Field(default=5, ge=1, le=100)

    def service_name(self) -> str:
        return "reports"

    def upstream_urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url") for name in UPSTREAMS}

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        for name in (*(f"{u}_url" for u in UPSTREAMS), "gateway_base_url"):
            if name not in self.model_fields_set:
                problems.append(
                    f"HANKE_REPORTS_{name.upper()} is not set (production needs the real address)"
                )
        return problems
