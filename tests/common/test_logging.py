"""Request logs never carry a credential that travels in a URL (calendar feeds are fetched without a login)."""

from __future__ import annotations

from edudx_common.logging import loggable_path


def test_calendar_tokens_are_not_logged_other_paths_are_kept() -> None:
    assert loggable_path("/api/notifications/calendar/Zk3_q-9xYbT2mN8sLw0vRt4uPa7cDe1fGh5iJk6lMn0.ics") == (
        "/api/notifications/calendar/***.ics")
    assert loggable_path("/api/notifications/calendar-feeds") == "/api/notifications/calendar-feeds"
    assert loggable_path("/api/submissions/campaigns/0b3c/status") == "/api/submissions/campaigns/0b3c/status"
