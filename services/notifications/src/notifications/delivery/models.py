"""The way from a decision ("remind this school", "tell this unit it was returned") to mail and feed items.

A `Notification` is written once per decision, guarded by its `dedupe_key` (planning the same reminder twice,
or an event redelivered, writes nothing). The expander turns it into `OutgoingEmail` rows and feed items, in one
transaction. The sender delivers the e-mails (see delivery.sender for the guarantees).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class NotificationStatus(StrEnum):
    PLANNED = "planned"  # decided, recipients not resolved yet
    EXPANDED = "expanded"  # e-mails and feed items written
    SKIPPED = "skipped"  # no longer applies (the school submitted meanwhile, the deadline moved)


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'expanded', 'skipped')", name="ck_notifications_status"),
        CheckConstraint("attempts >= 0", name="ck_notifications_attempts"),
        Index("ix_notifications_status_created", "status", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=40)
    # What makes this decision unique, e.g. "reminder:<campaign>:<unit>:before3@202612151700".
    dedupe_key: str = Field(max_length=300, unique=True)
    unit_id: uuid.UUID | None = None  # the unit it is for (None: fanned out when expanded)
    campaign_id: uuid.UUID | None = Field(default=None, index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=NotificationStatus.PLANNED.value, max_length=10)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expanded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


# Why an e-mail failed when its unit had nobody to write to: such a delivery is composed again when the unit's
# contacts change (identity's events) or an operator re-sends the campaign's failures.
NO_RECIPIENTS = ("Đơn vị chưa có địa chỉ e-mail nhận thông báo (tài khoản Hiệu trưởng, cán bộ CNTT hoặc e-mail "
                 "đầu mối của đơn vị).")


class EmailStatus(StrEnum):
    PENDING = "pending"  # waiting for its time (quiet hours, backoff) or for a sender
    SENDING = "sending"  # claimed by a sender until lease_until
    SENT = "sent"
    FAILED = "failed"  # refused for good, or not accepted for too long: shown to the authority admin
    CANCELLED = "cancelled"  # a reminder no longer needed when its turn came (the school submitted)


class OutgoingEmail(SQLModel, table=True):
    __tablename__ = "outgoing_emails"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')",
                        name="ck_outgoing_emails_status"),
        CheckConstraint("attempts >= 0", name="ck_outgoing_emails_attempts"),
        CheckConstraint("status <> 'sending' OR (lease_owner IS NOT NULL AND lease_until IS NOT NULL)",
                        name="ck_outgoing_emails_sending_lease"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="ck_outgoing_emails_sent_at"),
        # The senders' question: what is due now, oldest first.
        Index("ix_outgoing_emails_status_next_attempt", "status", "next_attempt_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    notification_id: uuid.UUID = Field(foreign_key="notifications.id", index=True)
    # The RFC 5322 Message-ID: the same on every attempt, so a copy sent twice is recognisable as one message.
    message_id: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=40)
    category: str = Field(max_length=40)
    campaign_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None  # the unit whose people get it
    # "/<root hex>/…/<unit hex>/" of that unit: authority admins see failures in their subtree.
    unit_path: str = Field(max_length=2000)
    unit_name: str | None = Field(default=None, max_length=255)
    to_addresses: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cc_addresses: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str = Field(max_length=500)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=EmailStatus.PENDING.value, max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # Still not accepted by then (SMTP down for days): failed, for the authority admin to look at and retry.
    give_up_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    sent_by: str | None = Field(default=None, max_length=120)
    failed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
