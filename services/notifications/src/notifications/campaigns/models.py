"""What this service knows about campaigns and their targets: facts learnt from events and from the
submissions API, kept only to decide who is reminded of what and when.

Events are not ordered and may come twice, so every fact carries the producer's time (`*_fact_at`): a fact
older than the one already applied is ignored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Uuid
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, utcnow


class CampaignState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class TargetState(StrEnum):
    PENDING = "pending"  # has to submit, never submitted
    RETURNED = "returned"  # sent back for revision, has to resubmit
    SUBMITTED = "submitted"  # waiting for or under review (also resubmitted, forwarded)
    APPROVED = "approved"


# Targets that are reminded: they have not submitted, or were returned and have not resubmitted.
OUTSTANDING = (TargetState.PENDING.value, TargetState.RETURNED.value)


class TrackedCampaign(SQLModel, table=True):
    __tablename__ = "tracked_campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed', 'archived')", name="ck_tracked_campaigns_status"),
        CheckConstraint("revision >= 0", name="ck_tracked_campaigns_revision"),
    )

    id: uuid.UUID = Field(primary_key=True)  # the submissions service's campaign id
    title: str = Field(max_length=500)
    issuer_unit_id: uuid.UUID = Field(index=True)
    kind: str | None = Field(default=None, max_length=30)
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    due_fact_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default=CampaignState.OPEN.value, max_length=10)
    status_fact_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Bumped when the deadline moves: the calendar's SEQUENCE, so subscribed phones update the event.
    revision: int = 0
    # When the supervising authorities are next told about overdue units (None: not any more).
    next_escalation_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))
    # Set when an event referred to something we did not know: the reconciler asks submissions soon.
    needs_sync: bool = Field(default=False, index=True)
    synced_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class TrackedTarget(SQLModel, table=True):
    """A unit that must submit to a campaign, where it stands, and when it is next reminded."""

    __tablename__ = "tracked_targets"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'returned', 'submitted', 'approved')", name="ck_tracked_targets_state"),
        # The planner's question: whose reminder is due now.
        Index("ix_tracked_targets_next_reminder", "next_reminder_at"),
        Index("ix_tracked_targets_campaign_due", "campaign_id", "due_at"),
        Index("ix_tracked_targets_unit", "unit_id"),
    )

    campaign_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("tracked_campaigns.id", ondelete="CASCADE"),
                                                    primary_key=True))
    unit_id: uuid.UUID = Field(primary_key=True)
    unit_name: str | None = Field(default=None, max_length=255)
    state: str = Field(default=TargetState.PENDING.value, max_length=10)
    state_fact_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    withdrawn: bool = False
    membership_fact_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    extension_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    extension_fact_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    resubmission_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # The deadline that applies to this unit now, as submissions computed it (`unit_due_at` of its events, the
    # status view's `due_at`): never derived here. `due_fact_at`: the time of the fact it comes from.
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    due_fact_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Bumped whenever `due_at` moves: the SEQUENCE of the unit's calendar event.
    revision: int = 0
    submission_id: uuid.UUID | None = None
    last_submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    next_reminder_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class ReminderPolicy(SQLModel, table=True):
    """A campaign's own reminder schedule; campaigns without one use the default (see reminders.schedule).

    Keyed by campaign id without a foreign key: an authority may set it before the campaign is published here.
    """

    __tablename__ = "reminder_policies"
    __table_args__ = (
        CheckConstraint("overdue_every_days >= 0 AND overdue_every_days <= 30", name="ck_reminder_policies_every"),
        CheckConstraint("overdue_for_days >= 0 AND overdue_for_days <= 90", name="ck_reminder_policies_for"),
        CheckConstraint("send_minute >= 0 AND send_minute < 1440", name="ck_reminder_policies_send_minute"),
    )

    campaign_id: uuid.UUID = Field(primary_key=True)
    days_before: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    on_due_day: bool = True
    overdue_every_days: int = 2
    overdue_for_days: int = 14
    send_minute: int = 8 * 60  # local time of day the reminders go out, in minutes after midnight
    escalate: bool = True
    updated_by: str | None = Field(default=None, max_length=80)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
