from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class FeedItem(SQLModel, table=True):
    """One notification in one user's in-app feed (written whatever the user's e-mail preferences)."""

    __tablename__ = "feed_items"
    __table_args__ = (
        UniqueConstraint("notification_id", "user_id", name="uq_feed_items_notification_user"),
        Index("ix_feed_items_user_created", "user_id", "created_at"),
        Index("ix_feed_items_user_read", "user_id", "read_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID
    notification_id: uuid.UUID = Field(foreign_key="notifications.id")
    kind: str = Field(max_length=40)
    category: str = Field(max_length=40)
    title: str = Field(max_length=300)
    body: str = Field(max_length=2000)
    link: str | None = Field(default=None, max_length=500)  # a path in the SPA, e.g. /campaigns/<id>
    campaign_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
