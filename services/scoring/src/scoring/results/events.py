"""The event the results feature publishes: the contract its consumers (notifications) rely on."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import AwareDatetime, Field

from edudx_common.tables.outbox import Event


class ResultsPublished(Event):
    event_type: ClassVar[str] = "results.published"
    campaign_id: uuid.UUID
    campaign_title: str
    issuer_unit_id: uuid.UUID
    published_at: AwareDatetime
    unit_ids: list[uuid.UUID] = Field(description="The units whose results were published")


PUBLISHED: tuple[type[Event], ...] = (ResultsPublished,)
