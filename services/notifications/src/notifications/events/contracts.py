"""This service's own models of the events it reads: only the fields it uses, named as their producers name them.

Services never import each other: these models are notifications' side of the contract, and
tests/contract/test_events.py checks each against the JSON Schema its producer exports (`events/<producer>/`).
A producer renaming or dropping a field read here fails that test, not a delivery in production.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import AwareDatetime

from edudx_common.tables.outbox import ConsumedEvent

# --- submissions: campaigns ----------------------------------------------------------------------------


class CampaignEventIn(ConsumedEvent):
    campaign_id: uuid.UUID
    title: str
    issuer_unit_id: uuid.UUID
    due_at: AwareDatetime
    kind: str | None = None


class CampaignPublishedIn(CampaignEventIn):
    event_type: ClassVar[str] = "campaign.published"
    target_unit_ids: list[uuid.UUID]


class CampaignDeadlineChangedIn(CampaignEventIn):
    event_type: ClassVar[str] = "campaign.deadline_changed"
    old_due_at: AwareDatetime
    unit_due_exceptions: dict[uuid.UUID, AwareDatetime]


class TargetEventIn(CampaignEventIn):
    unit_id: uuid.UUID
    unit_name: str | None = None
    extension_due_at: AwareDatetime | None
    unit_due_at: AwareDatetime


class TargetAddedIn(TargetEventIn):
    event_type: ClassVar[str] = "campaign.target_added"


class TargetWithdrawnIn(TargetEventIn):
    event_type: ClassVar[str] = "campaign.target_withdrawn"


class ExtensionChangedIn(TargetEventIn):
    event_type: ClassVar[str] = "campaign.extension_changed"
    reason: str | None = None


class CampaignClosedIn(CampaignEventIn):
    event_type: ClassVar[str] = "campaign.closed"


class CampaignReopenedIn(CampaignEventIn):
    event_type: ClassVar[str] = "campaign.reopened"


class CampaignArchivedIn(CampaignEventIn):
    event_type: ClassVar[str] = "campaign.archived"


class RemindersRequestedIn(CampaignEventIn):
    event_type: ClassVar[str] = "campaign.reminders_requested"
    request_id: uuid.UUID
    unit_ids: list[uuid.UUID]
    message: str | None = None
    requested_by_name: str | None = None


# --- submissions: workflow -----------------------------------------------------------------------------


class SubmissionEventIn(ConsumedEvent):
    submission_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_title: str
    unit_id: uuid.UUID
    unit_name: str | None = None
    unit_due_at: AwareDatetime


class SubmissionSubmittedIn(SubmissionEventIn):
    event_type: ClassVar[str] = "submission.submitted"


class SubmissionReturnedIn(SubmissionEventIn):
    event_type: ClassVar[str] = "submission.returned"
    reasons: dict[str, Any]
    resubmission_due_at: AwareDatetime


class SubmissionApprovedIn(SubmissionEventIn):
    event_type: ClassVar[str] = "submission.approved"
    comment: str | None = None


# --- scoring -------------------------------------------------------------------------------------------


class ResultsPublishedIn(ConsumedEvent):
    event_type: ClassVar[str] = "results.published"
    campaign_id: uuid.UUID
    campaign_title: str
    issuer_unit_id: uuid.UUID | None = None
    published_at: AwareDatetime | None = None
    unit_ids: list[uuid.UUID]


# --- identity ------------------------------------------------------------------------------------------


class UserChangedIn(ConsumedEvent):
    event_type: ClassVar[str] = "user.changed"
    user_id: uuid.UUID
    unit_ids: list[uuid.UUID]
    position: int


class UnitChangedIn(ConsumedEvent):
    event_type: ClassVar[str] = "unit.changed"
    unit_id: uuid.UUID
    position: int


# (producer, model) of every event read here.
CONSUMED: tuple[tuple[str, type[ConsumedEvent]], ...] = (
    *(("submissions", m) for m in (
        CampaignPublishedIn, CampaignDeadlineChangedIn, TargetAddedIn, TargetWithdrawnIn, ExtensionChangedIn,
        CampaignClosedIn, CampaignReopenedIn, CampaignArchivedIn, RemindersRequestedIn,
        SubmissionSubmittedIn, SubmissionReturnedIn, SubmissionApprovedIn)),
    ("scoring", ResultsPublishedIn),
    *(("identity", m) for m in (UserChangedIn, UnitChangedIn)),
)
