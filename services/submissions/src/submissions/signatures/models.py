from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class OfficialDocument(SQLModel, table=True):
    """The PDF EduDX issued for a submitted version, kept byte for byte from its first download: what the
    principal signs, and what a signed file must start with. Rendering again later could differ (a renamed
    unit, another font, another WeasyPrint), so the first rendering is the official one."""

    __tablename__ = "official_documents"
    __table_args__ = (UniqueConstraint("submission_id", "version_number", name="uq_official_documents_version"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    submission_id: uuid.UUID = Field(foreign_key="submissions.id", index=True)
    version_number: int
    sha256: str = Field(max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class SignedReport(SQLModel, table=True):
    """A signed PDF of a submitted version that passed every check (refused files are never stored), with the
    facts the reviewer reads. A newer upload for the same version replaces nothing: the latest counts."""

    __tablename__ = "signed_reports"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    submission_id: uuid.UUID = Field(foreign_key="submissions.id", index=True)
    version_number: int
    sha256: str = Field(max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signer_name: str = Field(max_length=500)
    signer_subject: str = Field(max_length=2000)
    signer_issuer: str = Field(max_length=2000)
    signer_serial: str = Field(max_length=100)
    certificate_valid_until: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    signing_time: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    timestamp_time: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    seal_name: str | None = Field(default=None, max_length=500)
    seal_subject: str | None = Field(default=None, max_length=2000)
    name_matches: bool
    warnings: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    uploaded_by: str = Field(max_length=80)
    uploaded_by_name: str | None = Field(default=None, max_length=200)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
