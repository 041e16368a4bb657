"""Notifications' own Prometheus counters: e-mails by kind (the HTTP ones come from edudx_common.metrics)."""

from __future__ import annotations

from prometheus_client import Counter

EMAILS_SENT = Counter(
    "edudx_notification_emails_sent_total", "E-mails accepted by the SMTP server (notifications), by kind.",
    ["kind"],
)
EMAILS_FAILED = Counter(
    "edudx_notification_emails_failed_total", "E-mails given up on (notifications), by kind.", ["kind"],
)
EMAILS_RETRIED = Counter(
    "edudx_notification_emails_retried_total", "E-mail attempts that failed and will be tried again, by kind.",
    ["kind"],
)
