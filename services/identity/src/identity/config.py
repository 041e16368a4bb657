from __future__ import annotations

import os

from pydantic import Field, model_validator

from edudx_common.event_retention import OutboxRetentionSettings
from edudx_common.mail import MailSettings
from edudx_common.settings import PLACEHOLDER_SECRETS, service_config


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, which a container's cpuset narrows; a CPU quota does not)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on macOS or Windows
        return os.cpu_count() or 1


class Settings(MailSettings, OutboxRetentionSettings):
    model_config = service_config("IDENTITY_")

    database_url: str = "sqlite+aiosqlite:///./var/identity.db"

    # PEM file of the RSA key that signs tokens now, and public keys of earlier ones that still verify.
    jwt_private_key_file: str = "var/keys/identity-signing.pem"
    jwt_previous_public_key_files: list[str] = Field(default_factory=list)
    access_token_minutes: int = 15
    service_token_minutes: int = 10
    refresh_token_days: int = 14
    # Lifetime of an integration client's access token (identity.integrations): short, the client asks again.
    integration_token_minutes: int = 15

    # Receivers of identity's user and unit change events: name → base URL (POST /api/<name>/events), e.g.
    # {"notifications": "http://notifications:8000"}. Empty: nothing is published.
    event_receivers: dict[str, str] = Field(default_factory=dict)

    # client_id → secret of each service allowed to call others with its own token.
    service_clients: dict[str, str] = Field(default_factory=dict)
    # Services a service token may be requested for; each token names one (aud "edudx:<service>").
    service_audiences: list[str] = Field(
        default_factory=lambda: ["identity", "submissions", "evidence", "scoring", "notifications"])

    # Login backoff per (e-mail, client address): after `lockout_threshold` failures that pair waits
    # `lockout_base_seconds`, doubling with each further failure up to `lockout_max_seconds`. No account lock:
    # the owner's password from another address still works (see identity.auth.throttle).
    lockout_threshold: int = 5
    lockout_base_seconds: int = 30
    lockout_max_seconds: int = 3600
    # Identity's own limit per client address: refused sign-ins, refreshes, service credentials and reset links,
    # and every password-reset request, per minute (identity.auth.throttle).
    auth_requests_per_minute_per_address: int = 30
    # Where the two are counted: `redis_url` (BaseServiceSettings). Empty: in this process — right for one identity
    # (the embedded system, a Sở's stack). With several identity replicas Redis, so they count together.
    # Peers whose `X-Forwarded-For` names the client (the gateway): addresses or networks.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    # One password-reset e-mail per account per this many minutes; further requests are answered alike, unsent.
    password_reset_cooldown_minutes: int = 5

    password_min_length: int = 10
    # Earlier passwords a new one must differ from (besides the current one).
    password_history: int = 5
    # Cheaper Argon2 parameters are for tests only; production keeps the library defaults.
    password_hash_fast: bool = False
    # Password hashes (sign-ins, changes, resets) computed at once, in worker threads beside the event loop; each
    # takes ~0.3 s of CPU and 64 MiB, and further ones wait their turn (identity.auth.passwords). Default: the
    # CPUs this process may run on; under a CPU quota (a Kubernetes limit) set it to the quota.
    password_hash_concurrency: int = Field(default_factory=usable_cpus, ge=1)
    reset_token_minutes: int = 60
    invite_token_days: int = 7

    # E-mail for password resets and invitations: IDENTITY_SMTP_* and IDENTITY_MAIL_FROM (see MailSettings).
    # Without a host, messages are written to the log.
    public_url: str = "http://127.0.0.1:8000"

    import_max_rows: int = 20_000
    import_max_bytes: int = 10 * 1024 * 1024
    # What an XLSX may unpack to (a 20,000-row workbook unpacks to ~15 MB; a ZIP bomb to far more):
    # openpyxl holds a workbook's shared strings in memory.
    import_max_unzipped_bytes: int = 64 * 1024 * 1024

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields()]

    @property
    def all_service_secrets_real(self) -> bool:
        return all(len(s) >= 16 and s.strip().lower() not in PLACEHOLDER_SECRETS for s in self.service_clients.values())

    @model_validator(mode="after")
    def _production_ready(self) -> Settings:
        """The services' secrets are identity's too (it checks them), and cheap hashing is for tests."""
        if self.environment == "production":
            if not self.all_service_secrets_real:
                raise ValueError("every IDENTITY_SERVICE_CLIENTS secret must be a real secret of 16+ characters "
                                 "in production")
            if self.password_hash_fast:
                raise ValueError("IDENTITY_PASSWORD_HASH_FAST is for tests only, never in production")
        return self
