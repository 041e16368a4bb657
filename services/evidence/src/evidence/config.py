from __future__ import annotations

from pydantic import Field

from edudx_common.settings import BaseServiceSettings, service_config

MB = 1024 * 1024


class Settings(BaseServiceSettings):
    model_config = service_config("EVIDENCE_")

    database_url: str = "sqlite+aiosqlite:///./var/evidence.db"
    submissions_url: str = "http://127.0.0.1:8002"

    # S3-compatible object storage (MinIO in production, SeaweedFS `weed mini` embedded and in tests).
    s3_endpoint: str = "127.0.0.1:8333"  # host:port, no scheme
    # The address browsers and phones reach the store at, used only to sign URLs (downloads, direct uploads):
    # host:port, or a URL whose https:// scheme turns TLS on. None: the internal endpoint.
    s3_public_endpoint: str | None = None
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_secure: bool = False
    s3_region: str = "us-east-1"  # fixed, so presigning never asks the server for the bucket's region
    s3_bucket: str = "edudx-evidence"
    s3_timeout_seconds: float = 30.0

    max_file_bytes: int = 50 * 1000 * 1000
    submission_quota_bytes: int = 500 * 1000 * 1000
    presign_seconds: int = 300
    # Direct uploads (presigned PUT, bound to the declared size): at most 15 minutes; a phone on a slow link
    # whose URL expires asks for a new one (the SPA does) and sends the file again.
    upload_presign_seconds: int = Field(default=900, ge=60, le=900)
    # Objects without a metadata row older than this are removed by the sweeper; 0 turns the loop off.
    sweep_after_minutes: int = 60
    sweep_interval_seconds: float = 600.0
    # Where uploads are spooled while their content is checked (None: the system temp folder).
    spool_dir: str | None = None

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "s3_secret_key"]
