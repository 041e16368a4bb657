from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class EvidenceKind(StrEnum):
    FILE = "file"
    LINK = "link"


class ReviewState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    INSUFFICIENT = "insufficient"
    WRONG = "wrong"


class EvidenceItem(SQLModel, table=True):
    """One minh chứng of a submission: a stored file or a link.

    `draft_number` is the submission's draft the item was added to (submit_count + 1 at the time): items of a
    draft that has been submitted never change. A file's row is written only after its object is stored.
    """

    __tablename__ = "evidence_items"
    __table_args__ = (
        UniqueConstraint("submission_id", "sha256", name="uq_evidence_items_submission_sha256"),
        CheckConstraint("kind IN ('file', 'link')", name="ck_evidence_items_kind"),
        CheckConstraint("kind <> 'file' OR (storage_key IS NOT NULL AND sha256 IS NOT NULL AND size > 0)",
                        name="ck_evidence_items_file_fields"),
        CheckConstraint("kind <> 'link' OR url IS NOT NULL", name="ck_evidence_items_link_url"),
        CheckConstraint("review_state IN ('pending', 'accepted', 'insufficient', 'wrong')",
                        name="ck_evidence_items_review_state"),
        CheckConstraint("review_state IN ('pending', 'accepted') OR review_reason IS NOT NULL",
                        name="ck_evidence_items_review_reason"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    submission_id: uuid.UUID = Field(index=True)
    unit_id: uuid.UUID = Field(index=True)
    draft_number: int
    kind: str = Field(max_length=10)
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, max_length=4000)
    criterion_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Files: the name shown to people (sanitised), never used as the storage key.
    original_name: str | None = Field(default=None, max_length=255)
    storage_key: str | None = Field(default=None, max_length=200, unique=True)
    size: int | None = None
    content_type: str | None = Field(default=None, max_length=120)
    sha256: str | None = Field(default=None, max_length=64)
    # Links.
    url: str | None = Field(default=None, max_length=2000)
    replaces_id: uuid.UUID | None = None
    # For a link: an image item of the same submission showing the page (a screenshot).
    screenshot_id: uuid.UUID | None = None
    # Structured facts a rubric asks of the evidence, e.g. {"solution_name": "K12Online", "acquisition": "Thuê"}.
    attributes: dict[str, str] = Field(default_factory=dict,
                                       sa_column=Column(JSON, nullable=False, server_default="{}"))
    uploaded_by: str = Field(max_length=80)
    uploaded_by_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    review_state: str = Field(default=ReviewState.PENDING.value, max_length=20)
    review_reason: str | None = Field(default=None, max_length=2000)
    reviewed_by: str | None = Field(default=None, max_length=80)
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PendingUpload(SQLModel, table=True):
    """A direct (presigned PUT) upload that was asked for and not yet confirmed.

    The client PUTs the file to `staging_key`; `complete` checks it and turns it into an evidence item. A
    completed upload keeps its row (with `item_id`) until it expires, so completing twice answers the same
    item; the sweeper removes expired rows and their staging objects.
    """

    __tablename__ = "pending_uploads"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    submission_id: uuid.UUID = Field(index=True)
    unit_id: uuid.UUID = Field(index=True)
    staging_key: str = Field(max_length=200, unique=True)
    file_name: str | None = Field(default=None, max_length=255)
    declared_size: int
    declared_content_type: str | None = Field(default=None, max_length=120)
    title: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=4000)
    criterion_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    replaces_id: uuid.UUID | None = None
    # For a link: an image item of the same submission showing the page (a screenshot).
    screenshot_id: uuid.UUID | None = None
    uploaded_by: str = Field(max_length=80)
    uploaded_by_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    item_id: uuid.UUID | None = None
