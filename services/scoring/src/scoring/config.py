from __future__ import annotations

from pydantic import Field

from edudx_common.event_retention import InboxRetentionSettings, OutboxRetentionSettings
from edudx_common.settings import service_config


class Settings(OutboxRetentionSettings, InboxRetentionSettings):
    model_config = service_config("SCORING_")

    database_url: str = "sqlite+aiosqlite:///./var/scoring.db"
    submissions_url: str = "http://127.0.0.1:8002"
    evidence_url: str = "http://127.0.0.1:8003"
    # Receivers of this service's events (results.published): name → base URL. Empty: events wait.
    event_receivers: dict[str, str] = Field(default_factory=dict)
    # The organisation's certificate (PKCS#12 .p12/.pfx with its key) that signs the published results
    # document; unset: that document cannot be produced (409 results_signing_not_configured).
    results_signing_pkcs12_file: str | None = None
    results_signing_pkcs12_password: str | None = None
