"""Kinds of e-mail a user can or cannot turn off."""

from __future__ import annotations

from enum import StrEnum

from notifications.kinds import NotificationKind


class Category(StrEnum):
    DEADLINE_REMINDERS = "deadline_reminders"  # one's own unit's deadlines: never muted
    CAMPAIGN_PUBLISHED = "campaign_published"
    SUBMISSION_UPDATES = "submission_updates"
    RESULTS = "results"
    ESCALATIONS = "escalations"
    REVIEWER_DIGEST = "reviewer_digest"
    INTEGRATIONS = "integrations"  # a webhook of the unit stopped: the admins must act, never muted


CATEGORY_LABELS_VI: dict[Category, str] = {
    Category.DEADLINE_REMINDERS: "Nhắc hạn nộp báo cáo của đơn vị mình (không thể tắt)",
    Category.CAMPAIGN_PUBLISHED: "Đợt báo cáo mới được ban hành",
    Category.SUBMISSION_UPDATES: "Báo cáo bị trả lại hoặc được duyệt",
    Category.RESULTS: "Công bố kết quả đánh giá",
    Category.ESCALATIONS: "Danh sách đơn vị trực thuộc quá hạn nộp",
    Category.REVIEWER_DIGEST: "Bản tổng hợp hằng ngày cho chuyên viên thẩm định",
    Category.INTEGRATIONS: "Webhook của đơn vị bị tự động tắt (không thể tắt)",
}

# Each optional category's column in NotificationPreference.
MUTE_COLUMN: dict[Category, str] = {
    Category.CAMPAIGN_PUBLISHED: "mute_campaign_published",
    Category.SUBMISSION_UPDATES: "mute_submission_updates",
    Category.RESULTS: "mute_results",
    Category.ESCALATIONS: "mute_escalations",
    Category.REVIEWER_DIGEST: "mute_reviewer_digest",
}

CATEGORY_OF: dict[NotificationKind, Category] = {
    NotificationKind.DEADLINE_REMINDER: Category.DEADLINE_REMINDERS,
    NotificationKind.DEADLINE_CHANGED: Category.DEADLINE_REMINDERS,
    NotificationKind.EXTENSION_CHANGED: Category.DEADLINE_REMINDERS,
    NotificationKind.MANUAL_REMINDER: Category.DEADLINE_REMINDERS,
    NotificationKind.CAMPAIGN_PUBLISHED: Category.CAMPAIGN_PUBLISHED,
    NotificationKind.SUBMISSION_RETURNED: Category.SUBMISSION_UPDATES,
    NotificationKind.SUBMISSION_APPROVED: Category.SUBMISSION_UPDATES,
    NotificationKind.RESULTS_PUBLISHED: Category.RESULTS,
    NotificationKind.OVERDUE_ESCALATION: Category.ESCALATIONS,
    NotificationKind.REVIEWER_DIGEST: Category.REVIEWER_DIGEST,
    NotificationKind.WEBHOOK_DISABLED: Category.INTEGRATIONS,
}
