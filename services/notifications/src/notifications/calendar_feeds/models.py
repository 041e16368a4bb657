from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class FeedScope(StrEnum):
    UNIT = "unit"  # a unit's deadlines, for everyone who has the link (e.g. the school's shared calendar)
    USER = "user"  # the deadlines of the user's current unit; stops working when the account is deactivated


class CalendarFeed(SQLModel, table=True):
    """A secret calendar URL. Only a hash of its token is kept: a lost link is regenerated, not shown again."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint("scope IN ('unit', 'user')", name="ck_calendar_feeds_scope"),
        CheckConstraint("scope <> 'user' OR user_id IS NOT NULL", name="ck_calendar_feeds_user"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    scope: str = Field(max_length=10)
    unit_id: uuid.UUID = Field(index=True)  # the unit (user feeds: the user's unit when it was made)
    user_id: uuid.UUID | None = Field(default=None, index=True)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 hex of the token in the URL
    token_hint: str = Field(max_length=8)  # its first characters, to tell links apart
    name: str | None = Field(default=None, max_length=100)
    created_by: uuid.UUID
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
