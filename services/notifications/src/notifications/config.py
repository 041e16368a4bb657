from __future__ import annotations

from datetime import time

from pydantic import Field, model_validator

from edudx_common.event_retention import InboxRetentionSettings
from edudx_common.mail import MailSettings, domain_of
from edudx_common.settings import service_config
from notifications.webhooks.vault import SecretVault, parse_keys


class Settings(MailSettings, InboxRetentionSettings):
    """NOTIFICATIONS_* settings. SMTP: NOTIFICATIONS_SMTP_HOST/_PORT/_USERNAME/_PASSWORD/_STARTTLS/_USE_TLS and
    NOTIFICATIONS_MAIL_FROM (see `edudx_common.mail.MailSettings`); without a host e-mails go to the log."""

    model_config = service_config("NOTIFICATIONS_")

    database_url: str = "sqlite+aiosqlite:///./var/notifications.db"
    submissions_url: str = "http://127.0.0.1:8002"
    # Where people open the SPA: base of the links in e-mails and of the calendar feed URLs.
    app_base_url: str = "http://127.0.0.1:8000"

    # The planner, expander and sender loops in the app process; turn off where `python -m notifications.cli
    # worker` runs them as separate processes (or in tests, which run the steps themselves).
    run_workers: bool = True
    planner_interval_seconds: float = 30.0
    idle_seconds: float = 1.0

    # No e-mail between these local (Asia/Ho_Chi_Minh) times; mail that falls in them waits for the morning.
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(7, 0)
    # The reviewers' daily digest goes out at this local time.
    digest_time: time = time(7, 30)
    # A reminder whose planned time passed longer ago than this (the workers were down) is skipped, not sent late.
    catch_up_hours: float = 12.0

    # Sending: rows claimed per batch, SMTP connections per worker, how long a claim holds.
    send_batch_size: int = Field(default=50, ge=1, le=1000)
    smtp_connections: int = Field(default=4, ge=1, le=32)
    # Must exceed the longest SMTP transaction (smtp_timeout_seconds): a claim older than this is taken over.
    send_lease_seconds: float = 300.0
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    # A message still not accepted this long after it was written is given up (permanent failure, shown to
    # the authority admin).
    give_up_after_hours: float = 72.0

    expand_batch_size: int = Field(default=200, ge=1, le=5000)
    expand_lease_seconds: float = 120.0

    # Recipients (unit contacts, principals, IT officers, admins) are cached this long.
    directory_ttl_seconds: float = 3600.0
    # Open campaigns are compared with the submissions service this often (events can be lost or late).
    reconcile_interval_seconds: float = 3600.0

    # Webhooks (notifications.webhooks): `http://` and loopback endpoints only with the allowance (tests and
    # development, never production); a subscription is disabled after this many failed attempts in a row.
    webhooks_allow_loopback: bool = False
    webhooks_timeout_seconds: float = 10.0
    webhooks_disable_after_failures: int = Field(default=10, ge=1, le=1000)
    webhooks_retry_base_seconds: float = 30.0
    webhooks_retry_max_seconds: float = 3600.0
    # Keys that encrypt the subscriptions' signing secrets at rest (notifications.webhooks.vault): comma-separated
    # Fernet keys, the first encrypts, all decrypt. Empty: derived from service_client_secret.
    webhooks_secret_keys: str = ""
    # Deliveries (the delivery log) delivered or given up longer ago than this are deleted by the worker's
    # retention step and `python -m notifications.cli webhooks purge`; waiting ones are kept.
    webhooks_keep_deliveries_days: float = Field(default=30.0, ge=1)

    @model_validator(mode="after")
    def _check_times(self) -> Settings:
        if self.webhooks_allow_loopback and self.environment == "production":
            raise ValueError("NOTIFICATIONS_WEBHOOKS_ALLOW_LOOPBACK is for tests and development only")
        try:
            parse_keys(self.webhooks_secret_keys)
        except ValueError as exc:
            raise ValueError("NOTIFICATIONS_WEBHOOKS_SECRET_KEYS must be Fernet keys (32 url-safe base64 bytes)"
                             ) from exc
        if self.send_lease_seconds <= self.smtp_timeout_seconds:
            raise ValueError("send_lease_seconds must exceed smtp_timeout_seconds")
        return self

    def secret_vault(self) -> SecretVault:
        return SecretVault.from_settings(self.webhooks_secret_keys, fallback_material=self.service_client_secret)

    @property
    def mail_domain(self) -> str:
        return domain_of(self.mail_from)
