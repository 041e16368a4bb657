from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow
from edudx_common.vocabulary import SubmissionStatus


class Submission(SQLModel, table=True):
    """One unit's answer to one campaign. `version` changes on every write: clients send the version they
    read (If-Match), so two people editing one draft cannot overwrite each other silently."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", name="uq_submissions_campaign_unit"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True)
    target_id: uuid.UUID = Field(foreign_key="campaign_targets.id", unique=True)
    unit_id: uuid.UUID = Field(index=True)
    status: str = Field(max_length=20, default=SubmissionStatus.DRAFT.value, index=True)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1
    # Share of the outline's required answers given (0–100), kept on each save: the board sorts by it.
    completeness: int | None = None
    submit_count: int = 0
    first_submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Of the first submission against the deadline: timeliness is judged on it.
    late_seconds: int | None = None
    resubmission_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    return_reasons: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Set when the managing Phòng accepted it for the issuer (two-level review); cleared when returned.
    forwarded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str | None = Field(default=None, max_length=200)


class SubmissionVersion(SQLModel, table=True):
    """What was submitted, exactly as it was: written once on each submit and never changed."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number", name="uq_submission_versions_number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    submission_id: uuid.UUID = Field(foreign_key="submissions.id", index=True)
    number: int
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    submitted_by: str = Field(max_length=80)
    submitted_by_name: str | None = Field(default=None, max_length=200)
    on_behalf: bool = False
    late_seconds: int | None = None


class SubmissionEvent(SQLModel, table=True):
    """The history of a submission: who did what, when, as whom."""

    __tablename__ = "submission_events"
    __table_args__ = (UniqueConstraint("submission_id", "seq", name="uq_submission_events_seq"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    submission_id: uuid.UUID = Field(foreign_key="submissions.id", index=True)
    # Order within the submission: several steps can share a timestamp.
    seq: int
    action: str = Field(max_length=30)
    actor_id: str = Field(max_length=80)
    actor_name: str | None = Field(default=None, max_length=200)
    actor_unit_id: uuid.UUID | None = None
    on_behalf: bool = False
    version_number: int | None = None
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
