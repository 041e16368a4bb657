from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, utcnow


class NotificationPreference(SQLModel, table=True):
    """Which optional e-mails a user does not want. Deadline reminders for one's own unit have no column here:
    they cannot be muted. The in-app feed always gets everything."""

    __tablename__ = "notification_preferences"

    user_id: uuid.UUID = Field(primary_key=True)
    mute_campaign_published: bool = False
    mute_submission_updates: bool = False
    mute_results: bool = False
    mute_escalations: bool = False
    mute_reviewer_digest: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
