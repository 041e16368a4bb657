from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class WebhookEventType(StrEnum):
    """The events an integrator may subscribe to; the payload is the producer's contract (events/<producer>/)."""

    SUBMISSION_SUBMITTED = "submission.submitted"
    SUBMISSION_RETURNED = "submission.returned"
    SUBMISSION_APPROVED = "submission.approved"
    RESULTS_PUBLISHED = "results.published"
    CAMPAIGN_PUBLISHED = "campaign.published"
    CAMPAIGN_CLOSED = "campaign.closed"


class WebhookSubscription(SQLModel, table=True):
    """An HTTPS endpoint of an outside system told about events of one unit's subtree.

    Signing needs the secret itself, so it is kept encrypted (webhooks.vault), not hashed; it is shown to the
    admin once, at creation."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (CheckConstraint("consecutive_failures >= 0", name="ck_webhook_subscriptions_failures"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(index=True)
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=300)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret_encrypted: str = Field(max_length=500)
    enabled: bool = True
    consecutive_failures: int = 0
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    disabled_reason: str | None = Field(default=None, max_length=500)
    created_by: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class WebhookDeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # given up: the subscription was disabled meanwhile


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription, and what the endpoint answered last (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="ck_webhook_deliveries_status"),
        Index("ix_webhook_deliveries_subscription_created", "subscription_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscriptions.id")
    event_id: uuid.UUID
    event_type: str = Field(max_length=100)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=WebhookDeliveryStatus.PENDING.value, max_length=10)
    attempts: int = 0
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_status_code: int | None = None
    last_response_excerpt: str | None = Field(default=None, max_length=500)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
