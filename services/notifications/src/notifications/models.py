"""Every table of the notifications service, imported in one place for Alembic and tests."""
from edudx_common.tables.audit import AuditRecord
from edudx_common.tables.inbox import InboxEvent
from edudx_common.tables.outbox import OutboxMessage
from notifications.calendar_feeds.models import CalendarFeed
from notifications.campaigns.models import ReminderPolicy, TrackedCampaign, TrackedTarget
from notifications.delivery.models import Notification, OutgoingEmail
from notifications.directory.models import ProducerPosition, UnitContact
from notifications.feed.models import FeedItem
from notifications.preferences.models import NotificationPreference
from notifications.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "AuditRecord",
    "CalendarFeed",
    "FeedItem",
    "InboxEvent",
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "OutgoingEmail",
    "ProducerPosition",
    "ReminderPolicy",
    "TrackedCampaign",
    "TrackedTarget",
    "UnitContact",
    "WebhookDelivery",
    "WebhookSubscription",
]
