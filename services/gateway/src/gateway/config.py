from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from edudx_common.settings import BaseServiceSettings, service_config

JWKS_PATH = "/api/identity/.well-known/jwks.json"
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class Settings(BaseServiceSettings):
    model_config = service_config("GATEWAY_")

    host: str = "127.0.0.1"
    port: int = 8000

    # Service name → base URL (scheme://host[:port]). `/api/<name>/…` goes unchanged to `<base URL>/api/<name>/…`.
    # From the environment as JSON: GATEWAY_SERVICES='{"identity": "http://identity:8000", …}'.
    services: dict[str, str] = Field(default_factory=lambda: {"identity": "http://127.0.0.1:8001"})
    # Browser origins allowed to call the API cross-origin (JSON list). The SPA served here needs none.
    cors_origins: list[str] = Field(default_factory=list)

    upstream_connect_timeout_seconds: float = 3.0
    # Per read or write, not per request: a long download or upload that keeps flowing never times out, a service
    # that goes silent (or stops reading an upload) for this long does.
    upstream_read_timeout_seconds: float = 60.0
    upstream_write_timeout_seconds: float = 60.0
    # Per service; idle connections are kept for reuse this long.
    upstream_max_connections: int = 200
    upstream_keepalive_seconds: float = 15.0

    # Security headers and limits (gateway.hardening). Paths other sites may show in a frame (regexes on the path).
    embeddable_paths: list[str] = Field(default_factory=lambda: [r"^/api/scoring/public/units/[^/]+/badge$"])
    hsts_max_age_seconds: int = 31_536_000
    # Origins of the object store as browsers reach it (EVIDENCE_S3_PUBLIC_ENDPOINT): the SPA uploads there with
    # presigned PUTs and previews files from there, so the CSP allows it for connect, img and frame sources.
    object_store_origins: list[str] = Field(default_factory=list)
    # Request bodies: uploads (multipart, octet-stream) up to the evidence file limit plus the form's overhead;
    # everything else (JSON) is small.
    max_upload_body_bytes: int = 52_000_000
    max_json_body_bytes: int = 2_000_000
    # Every API request, per client address and per signed-in user (a school's NAT puts many users on one address).
    requests_per_minute_per_ip: int = 1200
    requests_per_minute_per_user: int = 600

    # Where the limits above are counted (edudx_common.ratelimit). Empty: in this process — right for one gateway
    # (the embedded system, a Sở's compose stack). With several gateway replicas a redis:// URL (e.g.
    # redis://:password@redis:6379/0), so they enforce one limit between them instead of N × the limit each.
    redis_url: str = ""
    # Prepended to every key, so one Redis can serve several EduDX instances (or tests) apart.
    redis_key_prefix: str = "edudx:"

    login_rate_per_minute: int = 20
    password_reset_rate_per_minute: int = 5
    # True only behind a proxy that sets X-Forwarded-For: then the address that proxy appended (the last one)
    # is the client. Otherwise the header is client-controlled and ignored.
    trust_forwarded_for: bool = False

    openapi_fetch_timeout_seconds: float = 3.0
    openapi_cache_seconds: float = 30.0
    readiness_timeout_seconds: float = 2.0

    # Relative paths are taken from the working directory.
    spa_dir: str = "frontend/dist"
    # JSON answers of at least this many bytes are sent gzip-compressed to clients that accept it; 0 turns it off.
    compress_json_min_bytes: int = 1024

    @field_validator("services")
    @classmethod
    def _check_services(cls, services: dict[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        for name, url in services.items():
            if not _SERVICE_NAME.match(name):
                raise ValueError(f"service name {name!r} must be lowercase letters, digits and dashes")
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"service {name}: {url!r} is not an http(s) URL")
            if parts.path not in ("", "/") or parts.query or parts.fragment:
                # Paths are forwarded unchanged, so a base path would silently be dropped.
                raise ValueError(f"service {name}: base URL must be scheme://host[:port], got {url!r}")
            checked[name] = f"{parts.scheme}://{parts.netloc}"
        return checked

    @model_validator(mode="after")
    def _jwks_from_identity(self) -> Settings:
        # One setting to move identity, not two that can disagree.
        if "jwks_url" not in self.model_fields_set and "identity" in self.services:
            self.jwks_url = self.services["identity"] + JWKS_PATH
        return self
