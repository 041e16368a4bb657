"""The board's data beside each target: who reviews it and the scores scoring last reported (written by the
review feature and by scoring's events, read by the board).

Kept apart from `campaign_targets` (one row per target, joined on `target_id`) so that the board stays one
SQL query while the target table keeps only what the campaign froze.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel, col

from edudx_common.db import UTCDateTime
from submissions.workflow.models import Submission


class TargetReview(SQLModel, table=True):
    """Assignment and score copy of one target. Scores are a copy of what scoring computed (its event
    `scores.changed`, or a refresh after a review decision), so the board sorts by them without asking scoring."""

    __tablename__ = "target_reviews"
    __table_args__ = (
        Index("ix_target_reviews_campaign_reviewer", "campaign_id", "reviewer_id"),
    )

    target_id: uuid.UUID = Field(foreign_key="campaign_targets.id", primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id")
    reviewer_id: str | None = Field(default=None, max_length=80)
    reviewer_name: str | None = Field(default=None, max_length=200)
    assigned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    assigned_by: str | None = Field(default=None, max_length=80)
    self_score: float | None = None
    review_score: float | None = None
    final_score: float | None = None
    scores_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


# The status roll-up reads five narrow columns of every submission of the campaign; the rows also hold the report's
# content (~1.3 KB each), so at 50,000 targets the scan read ~7,500 heap pages. This index carries just what the
# roll-up reads (PostgreSQL: an index-only scan, ~480 pages; SQLite: a plain index on the two keys). Declared here,
# beside the view that reads it, on the workflow's table.
Index("ix_submissions_status_rollup", col(Submission.campaign_id), col(Submission.target_id),
      postgresql_include=["status", "late_seconds", "first_submitted_at", "completeness"])
