"""Settings of the gateway (environment variables prefixed ``HANKE_GATEWAY_``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_GATEWAY_", extra="ignore")

    port: int = 8000
    budget_url: str = "http://127.0.0.1:8001"
    pilots_url: str = "http://127.0.0.1:8002"
    participants_url: str = "http://127.0.0.1:8003"
    reports_url: str = "http://127.0.0.1:8004"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    view_deadline_seconds: float = Field(default=15.0, gt=0, le=300)
    cors_origins: list[str] = Field(default_factory=list)
    # Connections kept per upstream (aiohttp connector limit) and how long idle ones live.
    upstream_connections: int = Field(default=100, ge=1, le=1000)
    upstream_keepalive_seconds: float = Field(default=30.0, gt=0, le=600)
    # The upstream HTTP client: the gateway's own minimal HTTP/1.1 client, or aiohttp's.
    upstream_client: Literal["h1", "aiohttp"] = "h1"
    # Readiness probe timeout per upstream, and how long the merged OpenAPI parts are cached.
    ready_probe_seconds: float = Field(default=2.0, gt=0, le=30)
    openapi_cache_seconds: float = Field(default=300.0, ge=0, le=86400)
    openapi_retry_seconds: float = Field(default=5.0, ge=0, le=600)

    def service_name(self) -> str:
        return "gateway"

    def production_problems(self) -> list[str]:
        problems = [p for p in super().production_problems() if "DATABASE_URL" not in p]
        prefix = "HANKE_GATEWAY_"
        fields_set = self.model_fields_set
        for name in ("budget_url", "pilots_url", "participants_url", "reports_url"):
            if name not in fields_set:
                problems.append(f"{prefix}{name.upper()} is not set (the upstream service's base URL)")
        return problems
