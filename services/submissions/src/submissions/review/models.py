"""The review side of a target: who declined it, and the bulk actions waiting out their undo window. Who
reviews it and the scores scoring last reported are the board's row data (status.models.TargetReview).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class ReviewDecline(SQLModel, table=True):
    """A reviewer refused a target (conflict of interest): never assigned to them again, automatically or not."""

    __tablename__ = "review_declines"
    __table_args__ = (UniqueConstraint("target_id", "reviewer_id", name="uq_review_declines_reviewer"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    target_id: uuid.UUID = Field(foreign_key="campaign_targets.id", index=True)
    reviewer_id: str = Field(max_length=80)
    reviewer_name: str | None = Field(default=None, max_length=200)
    reason: str = Field(max_length=1000)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class BulkKind(StrEnum):
    REMIND = "remind"
    EXTEND = "extend"
    RETURN = "return"
    APPROVE = "approve"


class BulkState(StrEnum):
    SCHEDULED = "scheduled"  # waiting out its undo window
    CANCELLED = "cancelled"
    DONE = "done"


class BulkAction(SQLModel, table=True):
    """A bulk action is scheduled, not applied: it runs when its undo window ends (`run_after`), unless it was
    cancelled before. Nothing has to be reverted, which matters for reminders (a sent e-mail cannot be)."""

    __tablename__ = "bulk_actions"
    __table_args__ = (
        CheckConstraint("state IN ('scheduled', 'cancelled', 'done')", name="ck_bulk_actions_state"),
        Index("ix_bulk_actions_state_run_after", "state", "run_after"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True)
    kind: str = Field(max_length=20)
    unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The caller, to act as them when the window ends (their token has expired by then: its claims are kept).
    actor: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(max_length=20, default=BulkState.SCHEDULED.value)
    run_after: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    results: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
