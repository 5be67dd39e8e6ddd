"""Settings shared by every app: one pydantic-settings class per app, one env prefix per app.

Development mode (the default) has safe local defaults. Production mode refuses to start with a
placeholder secret or a missing URL, and says which setting is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEV_JWT_SECRET = "hanke-development-secret-not-for-production"
DEV_ISSUER = "hanke-dev"
DEFAULT_AUDIENCE = "hanke"
PLACEHOLDER_SECRETS = {"changethis", "changeme", "secret", "password", DEV_JWT_SECRET}


class ConfigurationError(RuntimeError):
    """Raised when an app is started with settings it cannot run on."""


def default_data_dir() -> Path:
    """Where the embedded SQLite files live by default (``./var`` under the working directory)."""
    return Path.cwd() / "var"


class AppSettings(BaseSettings):
    """Settings every app has. Subclasses set ``model_config`` with their own env prefix."""

    model_config = SettingsConfigDict(env_prefix="HANKE_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True

    # Database: empty means the embedded SQLite file var/<service>.db (development only).
    database_url: str = ""
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_pool_overflow: int = Field(default=5, ge=0, le=200)
    db_null_pool: bool = False
    db_read_pool_size: int = Field(default=10, ge=0, le=200)
    # Behind PgBouncer in transaction pooling, server-side prepared statements break: turn the
    # drivers' statement caches off.
    db_pgbouncer: bool = False

    # Authentication. Development mode accepts HS256 tokens signed with jwt_dev_secret
    # (``hanke token``); production accepts only RS256/ES256 tokens from the OIDC issuer.
    jwt_dev_secret: str = DEV_JWT_SECRET
    jwt_audience: str = DEFAULT_AUDIENCE
    oidc_issuer: str = ""
    oidc_jwks_url: str = ""
    jwks_cache_seconds: int = Field(default=600, ge=10)

    # Where front ends reach this app's paths (links in bodies and headers, hanke_libs.links):
    # empty means the gateway's path-absolute /api/v1/<service>.
    public_base_url: str = ""

    # Facts asked from other services as the caller (hanke_libs.peers): timeout per call, and how
    # long an answer is kept (an ended enrolment stops access within this time).
    peer_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    peer_cache_seconds: float = Field(default=5.0, ge=0, le=300)

    # Request bodies (hanke_libs.limits): JSON and other non-file bodies, file uploads, JSON nesting.
    # The gateway uses the same names and defaults.
    max_json_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=1024**3)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024, le=16 * 1024**3)
    max_json_depth: int = Field(default=64, ge=2, le=10_000)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def service_name(self) -> str:
        """The short name of the app (used for the default SQLite file and logs)."""
        return "app"

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in development mode."""
        if self.database_url:
            return self.database_url
        path = default_data_dir() / f"{self.service_name()}.db"
        return f"sqlite:///{path}"

    def production_problems(self) -> list[str]:
        """What is missing or unsafe for production; empty when the settings can run in production."""
        prefix = self.model_config.get("env_prefix", "")
        problems: list[str] = []
        if not self.oidc_issuer:
            problems.append(f"{prefix}OIDC_ISSUER is not set (the identity provider's issuer URL)")
        if not self.oidc_jwks_url:
            problems.append(f"{prefix}OIDC_JWKS_URL is not set (the identity provider's JWKS URL)")
        if not self.database_url:
            problems.append(f"{prefix}DATABASE_URL is not set (production needs an explicit database)")
        else:
            password = make_url(self.database_url).password
            if password is not None and str(password).lower() in PLACEHOLDER_SECRETS:
                problems.append(f"{prefix}DATABASE_URL uses a placeholder password")
        return problems

    @model_validator(mode="after")
    def _check_production(self) -> AppSettings:
        if self.is_production:
            problems = self.production_problems()
            if problems:
                raise ConfigurationError("Refusing to start in production mode: " + "; ".join(problems))
        return self
