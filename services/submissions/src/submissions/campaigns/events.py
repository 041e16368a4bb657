"""The events the campaigns feature publishes: one model per type, the contract consumers rely on.

Every campaign event carries the campaign's identity and deadline; target events add the unit and its own
deadline (`unit_due_at`, computed by `submissions.deadlines`, so no consumer re-derives it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import AwareDatetime, Field

from edudx_common.tables.outbox import Event
from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.deadlines import unit_due


class CampaignEvent(Event):
    campaign_id: uuid.UUID
    title: str
    issuer_unit_id: uuid.UUID
    due_at: AwareDatetime = Field(description="The campaign's deadline (UTC)")
    kind: str

    @staticmethod
    def base(campaign: Campaign) -> dict[str, object]:
        return {"campaign_id": campaign.id, "title": campaign.title, "issuer_unit_id": campaign.issuer_unit_id,
                "due_at": campaign.due_at, "kind": campaign.kind}


class CampaignPublished(CampaignEvent):
    event_type: ClassVar[str] = "campaign.published"
    target_count: int
    target_unit_ids: list[uuid.UUID]


class CampaignDeadlineChanged(CampaignEvent):
    event_type: ClassVar[str] = "campaign.deadline_changed"
    old_due_at: AwareDatetime
    message: str
    unit_due_exceptions: dict[uuid.UUID, AwareDatetime] = Field(
        description="The units whose own deadline is not the campaign's (an extension, a resubmission date): "
                    "every other target's deadline is now `due_at`")


class TargetEvent(CampaignEvent):
    unit_id: uuid.UUID
    unit_name: str
    extension_due_at: AwareDatetime | None
    unit_due_at: AwareDatetime = Field(description="The deadline that applies to the unit now "
                                                   "(`submissions.deadlines.effective_due`)")

    @classmethod
    def of(cls, campaign: Campaign, target: CampaignTarget, *, unit_due_at: datetime | None = None,
           **extra: object) -> TargetEvent:
        return cls.model_validate({
            **CampaignEvent.base(campaign), "unit_id": target.unit_id, "unit_name": target.unit_name,
            "extension_due_at": target.extension_due_at,
            "unit_due_at": unit_due_at or unit_due(campaign.due_at, target.extension_due_at), **extra})


class CampaignTargetAdded(TargetEvent):
    event_type: ClassVar[str] = "campaign.target_added"


class CampaignTargetWithdrawn(TargetEvent):
    event_type: ClassVar[str] = "campaign.target_withdrawn"


class CampaignExtensionChanged(TargetEvent):
    event_type: ClassVar[str] = "campaign.extension_changed"
    reason: str | None


class CampaignStatusEvent(CampaignEvent):
    status: str


class CampaignClosed(CampaignStatusEvent):
    event_type: ClassVar[str] = "campaign.closed"


class CampaignReopened(CampaignStatusEvent):
    event_type: ClassVar[str] = "campaign.reopened"


class CampaignArchived(CampaignStatusEvent):
    event_type: ClassVar[str] = "campaign.archived"


STATUS_EVENTS: dict[str, type[CampaignStatusEvent]] = {
    e.event_type: e for e in (CampaignClosed, CampaignReopened, CampaignArchived)}

PUBLISHED: tuple[type[Event], ...] = (
    CampaignPublished, CampaignDeadlineChanged, CampaignTargetAdded, CampaignTargetWithdrawn,
    CampaignExtensionChanged, CampaignClosed, CampaignReopened, CampaignArchived)
