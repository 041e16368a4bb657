"""Settings base: every service reads its configuration from the environment (prefix `<SVC>_`)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from edudx_common.db import DEFAULT_MAX_OVERFLOW, DEFAULT_POOL_SIZE

# Values that appear in examples and must never run in production.
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-secret", "password"}


class BaseServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set `model_config = service_config("IDENTITY_")`."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: str = "development"  # development | test | production
    database_url: str = "sqlite+aiosqlite:///./var/service.db"
    # PostgreSQL schema this service owns; ignored on SQLite (one file per service there).
    database_schema: str | None = None
    # PostgreSQL connections this process keeps, and opens beyond them for bursts (edudx_common.db.create_engine):
    # replicas × (pool + overflow) of every service must fit the server's max_connections.
    database_pool_size: int = Field(default=DEFAULT_POOL_SIZE, ge=1)
    database_max_overflow: int = Field(default=DEFAULT_MAX_OVERFLOW, ge=0)
    log_level: str = "INFO"
    log_json: bool = True

    # Token verification: every service checks tokens locally against identity's JWKS.
    jwt_issuer: str = "edudx-identity"
    jwt_audience: str = "edudx"
    jwks_url: str = "http://127.0.0.1:8001/api/identity/.well-known/jwks.json"

    # Service-to-service calls: this service's client credentials at identity.
    identity_url: str = "http://127.0.0.1:8001"
    service_client_id: str = ""
    service_client_secret: str = ""

    http_timeout_seconds: float = 10.0
    # How often the list of revoked sessions is fetched from identity (edudx_common.revocation).
    revocation_poll_seconds: float = 5.0
    # Replicas that must agree. Empty: each process keeps its own state — right for one replica per service (the
    # embedded system, a Sở's stack). With several replicas a redis:// URL (one Redis for the whole instance):
    # identity announces revoked sessions and key changes on it, so every replica refuses a revoked token at
    # once (edudx_common.revocation); identity's login throttle and per-address limit count there too.
    redis_url: str = ""
    # Prepended to every key and channel, so one Redis can serve several EduDX instances (or tests) apart.
    redis_key_prefix: str = "edudx:"

    # Robustness limits (edudx_common.uploads, edudx_common.limits): imports one process parses at once, and
    # the largest JSON body a route reads (the gateway caps bodies too; a service must not rely on it).
    max_concurrent_imports: int = 2
    max_json_body_bytes: int = 2 * 1024 * 1024
    body_read_timeout_seconds: float = 30.0

    # Bearer token `/metrics` asks for; empty: open (services are scraped on the internal network; the gateway
    # serves its own `/metrics` only when this is set). See edudx_common.metrics.
    metrics_token: str = ""

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> BaseServiceSettings:
        if self.environment == "production":
            for name in self.secret_fields():
                if str(getattr(self, name)).strip().lower() in PLACEHOLDER_SECRETS:
                    raise ValueError(f"{name} must be set to a real secret in production")
        return self

    def secret_fields(self) -> list[str]:
        """Names of fields that must hold a real secret in production."""
        return ["service_client_secret"] if self.service_client_id else []

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def service_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore")
