from __future__ import annotations

from pydantic import Field

from edudx_common.event_retention import OutboxRetentionSettings
from edudx_common.settings import service_config


class Settings(OutboxRetentionSettings):
    model_config = service_config("SUBMISSIONS_")

    database_url: str = "sqlite+aiosqlite:///./var/submissions.db"
    # Asked on submit (and for the school's checklist) which criteria of the campaign's rubric are not self-scored.
    scoring_url: str = "http://127.0.0.1:8004"
    # Asked before an approval whether every evidence item was reviewed. Empty: no evidence service is wired
    # (API tests of this service alone), and approvals are not held back by evidence.
    evidence_url: str | None = "http://127.0.0.1:8003"
    # Receivers of this service's events: name → base URL (POST /api/<name>/events). Empty: events wait.
    event_receivers: dict[str, str] = Field(default_factory=dict)
    # Digital signatures on reports: PEM files of the certificate authorities (roots and intermediates) a
    # principal's signature must chain to. Empty: uploads of signed reports are refused with that reason.
    signature_trust_files: list[str] = Field(default_factory=list)
    # Fetch CRLs and OCSP answers named in certificates (needs outbound network); otherwise only revocation
    # data embedded in the signed file is used.
    signature_revocation_fetching: bool = False
    signed_report_max_bytes: int = 30 * 1024 * 1024
