"""The event the review workbench publishes: a reviewer asked for these schools to be reminded now."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from edudx_common.tables.outbox import Event
from submissions.campaigns.events import CampaignEvent


class RemindersRequested(CampaignEvent):
    """Notifications reminds each unit once: its key is (`request_id`, unit)."""

    event_type: ClassVar[str] = "campaign.reminders_requested"
    request_id: uuid.UUID = Field(description="The bulk action that asked for it")
    unit_ids: list[uuid.UUID]
    message: str | None = Field(description="The reviewer's words, added to the reminder")
    requested_by_name: str | None


PUBLISHED: tuple[type[Event], ...] = (RemindersRequested,)
