"""What a notification is about: a leaf every feature may import (delivery writes them, preferences groups them
into categories a person can mute, the feed shows them, reminders and events decide them)."""

from __future__ import annotations

from enum import StrEnum


class NotificationKind(StrEnum):
    DEADLINE_REMINDER = "deadline_reminder"
    OVERDUE_ESCALATION = "overdue_escalation"
    CAMPAIGN_PUBLISHED = "campaign_published"
    DEADLINE_CHANGED = "deadline_changed"
    EXTENSION_CHANGED = "extension_changed"
    SUBMISSION_RETURNED = "submission_returned"
    SUBMISSION_APPROVED = "submission_approved"
    RESULTS_PUBLISHED = "results_published"
    REVIEWER_DIGEST = "reviewer_digest"
    WEBHOOK_DISABLED = "webhook_disabled"
    MANUAL_REMINDER = "manual_reminder"  # a reviewer reminded selected schools now
