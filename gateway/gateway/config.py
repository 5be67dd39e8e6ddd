"""Settings of the gateway (environment variables prefixed ``HANKE_GATEWAY_``) and its upstreams.

:data:`UPSTREAMS` is the one list of upstream services: the proxy's prefixes, the merged OpenAPI,
readiness and the views all derive from it. Adding a service is one :class:`UpstreamSpec` here
and one ``<name>_url`` setting below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from hanke_libs.settings import AppSettings

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class UpstreamSpec:
    """One upstream service as the gateway reaches it."""

    name: str
    # Every path of the service appears under this gateway prefix (``/api/v1/budget/x`` -> ``/x``).
    public_prefix: str
    # Paths of the service the gateway publishes under the same path instead (``/scim/v2``).
    same_path_prefixes: tuple[str, ...] = ()
    # Paths below ``public_prefix`` that pass without a bearer token (the service checks them).
    unauthenticated_prefixes: tuple[str, ...] = ()

    @property
    def setting(self) -> str:
        return f"{self.name}_url"

    def public_path(self, path: str) -> str:
        """The gateway path of the service's path-absolute ``path`` (``/projects/x`` ->
        ``/api/v1/budget/projects/x``); a path already under ``/api/`` is public as it is."""
        for prefix in self.same_path_prefixes:
            if path == prefix or path.startswith((prefix + "/", prefix + "?")):
                return path
        if path.startswith("/api/"):
            return path
        return self.public_prefix + path


UPSTREAMS: tuple[UpstreamSpec, ...] = (
    UpstreamSpec("budget", "/api/v1/budget"),
    UpstreamSpec("pilots", "/api/v1/pilots"),
    UpstreamSpec("participants", "/api/v1/participants", same_path_prefixes=("/scim/v2",)),
    # Calendar feeds: calendar clients cannot send a token; the secret feed URL is the credential.
    UpstreamSpec("reports", "/api/v1/reports", unauthenticated_prefixes=("/feeds/",)),
)
SERVICES: tuple[str, ...] = tuple(spec.name for spec in UPSTREAMS)
BY_NAME: dict[str, UpstreamSpec] = {spec.name: spec for spec in UPSTREAMS}


class Settings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_GATEWAY_", extra="ignore")

    port: int = 8000
    budget_url: str = "http://127.0.0.1:8001"
    pilots_url: str = "http://127.0.0.1:8002"
    participants_url: str = "http://127.0.0.1:8003"
    reports_url: str = "http://127.0.0.1:8004"
    # Where callers reach the gateway (``https://hanke.kuopio.fi``): absolute links the services
    # send (``Location``, ``Link``, SCIM ``meta.location``) are rewritten onto it. Empty: links are
    # rewritten to path-absolute gateway paths (``/api/v1/budget/...``). Never the Host header.
    public_base_url: str = Field(default="", pattern=r"^(https?://[^/?#\s]+(/[^?#\s]*)?)?$")
    upstream_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    view_deadline_seconds: float = Field(default=15.0, gt=0, le=300)
    cors_origins: list[str] = Field(default_factory=list)
    # Connections kept per upstream and how long idle ones live.
    upstream_connections: int = Field(default=100, ge=1, le=1000)
    upstream_keepalive_seconds: float = Field(default=30.0, gt=0, le=600)
    # The upstream HTTP client: the gateway's pooled HTTP/1.1 client on llhttp, or aiohttp's.
    upstream_client: Literal["h1", "aiohttp"] = "h1"
    # Limits. Request bodies: the services' limits from hanke_libs (max_json_bytes 2 MiB,
    # max_upload_bytes 50 MiB, max_json_depth 64; 413/400 problems), applied at the gateway by the
    # same middleware before a request is forwarded. Upstream answers over max_response_bytes are
    # refused (502). The request head (request line and headers) is limited by the gateway's
    # server protocol (gateway.server), answered 431 beyond it.
    max_response_bytes: int = Field(default=64 * MIB, ge=1024, le=1024 * MIB)
    max_request_head_bytes: int = Field(default=32 * 1024, ge=4096, le=1024 * 1024)
    # Readiness probe timeout per upstream, and how long the merged OpenAPI parts are cached.
    ready_probe_seconds: float = Field(default=2.0, gt=0, le=30)
    openapi_cache_seconds: float = Field(default=300.0, ge=0, le=86400)
    openapi_retry_seconds: float = Field(default=5.0, ge=0, le=600)

    def service_name(self) -> str:
        return "gateway"

    def upstream_url(self, name: str) -> str:
        return str(getattr(self, BY_NAME[name].setting))

    def production_problems(self) -> list[str]:
        problems = [p for p in super().production_problems() if "DATABASE_URL" not in p]
        prefix = "HANKE_GATEWAY_"
        fields_set = self.model_fields_set
        for spec in UPSTREAMS:
            if spec.setting not in fields_set:
                problems.append(
                    f"{prefix}{spec.setting.upper()} is not set (the upstream service's base URL)"
                )
        return problems
