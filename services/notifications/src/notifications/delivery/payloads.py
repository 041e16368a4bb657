"""What each kind of notification carries (`Notification.data`): one model per kind, written by the one who
decides the notification (events, the planner) and read by its composition. The table stores it as JSON; it is
validated on the way in (`dump`) and read back typed (`data_of`), so a misspelt key fails where it is written,
not in an e-mail."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict

from notifications.delivery.models import Notification
from notifications.kinds import NotificationKind


class NotificationData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ReminderData(NotificationData):
    slot: str  # before | due_day | overdue
    days: int
    due_at: AwareDatetime  # the unit deadline the reminder was planned for: a moved deadline skips it
    slot_at: AwareDatetime


class EscalationData(NotificationData):
    slot_at: AwareDatetime


class CampaignPublishedData(NotificationData):
    campaign_id: uuid.UUID
    title: str
    issuer_unit_id: uuid.UUID | None = None
    due_at: AwareDatetime


class DeadlineChangedData(NotificationData):
    old_due_at: AwareDatetime
    due_at: AwareDatetime


class ExtensionChangedData(NotificationData):
    extension_due_at: AwareDatetime | None
    reason: str | None = None


class SubmissionReturnedData(NotificationData):
    submission_id: uuid.UUID
    campaign_title: str | None = None
    reasons: dict[str, Any]
    resubmission_due_at: AwareDatetime


class SubmissionApprovedData(NotificationData):
    submission_id: uuid.UUID
    campaign_title: str | None = None
    comment: str | None = None


class ResultsPublishedData(NotificationData):
    campaign_id: uuid.UUID
    campaign_title: str
    issuer_unit_id: uuid.UUID | None = None
    published_at: AwareDatetime | None = None


class WebhookDisabledData(NotificationData):
    subscription_id: uuid.UUID
    url: str
    reason: str


class ManualReminderData(NotificationData):
    request_id: uuid.UUID
    message: str | None = None
    requested_by_name: str | None = None


class DigestData(NotificationData):
    since: AwareDatetime
    until: AwareDatetime


PAYLOADS: dict[NotificationKind, type[NotificationData]] = {
    NotificationKind.DEADLINE_REMINDER: ReminderData,
    NotificationKind.OVERDUE_ESCALATION: EscalationData,
    NotificationKind.CAMPAIGN_PUBLISHED: CampaignPublishedData,
    NotificationKind.DEADLINE_CHANGED: DeadlineChangedData,
    NotificationKind.EXTENSION_CHANGED: ExtensionChangedData,
    NotificationKind.SUBMISSION_RETURNED: SubmissionReturnedData,
    NotificationKind.SUBMISSION_APPROVED: SubmissionApprovedData,
    NotificationKind.RESULTS_PUBLISHED: ResultsPublishedData,
    NotificationKind.REVIEWER_DIGEST: DigestData,
    NotificationKind.WEBHOOK_DISABLED: WebhookDisabledData,
    NotificationKind.MANUAL_REMINDER: ManualReminderData,
}

D = TypeVar("D", bound=NotificationData)


def dump(kind: NotificationKind | str, data: NotificationData) -> dict[str, Any]:
    """The JSON stored for a notification of `kind`; refuses data of another kind."""
    expected = PAYLOADS[NotificationKind(kind)]
    if type(data) is not expected:
        raise TypeError(f"{kind} notifications carry {expected.__name__}, not {type(data).__name__}")
    return data.model_dump(mode="json")


def data_of(notification: Notification, model: type[D]) -> D:
    """The notification's data, read as its kind's model."""
    if PAYLOADS[NotificationKind(notification.kind)] is not model:
        raise TypeError(f"{notification.kind} notifications carry {PAYLOADS[NotificationKind(notification.kind)]}")
    return model.model_validate(notification.data)


def issuer_of(notification: Notification) -> uuid.UUID | None:
    """The issuing authority a notification names, if its kind names one."""
    data = PAYLOADS[NotificationKind(notification.kind)].model_validate(notification.data)
    issuer = getattr(data, "issuer_unit_id", None)
    return issuer if isinstance(issuer, uuid.UUID) else None
