"""Notifications in the running system: the demo campaign's publication reaches the schools' feeds through
submissions' outbox and the workers in the notifications app; a phone fetches the deadline calendar through
the gateway without a login; in the embedded run e-mails go to the log."""

from __future__ import annotations

import time

import httpx

from edudx_common.db import utcnow
from notifications.config import Settings
from notifications.timing import QuietHours
from tests.e2e.conftest import RunningSystem, output_of


def _eventually_feed(system: RunningSystem, headers: dict[str, str], within: float = 60) -> list[dict[str, object]]:
    deadline = time.monotonic() + within
    with system.client() as http:
        while True:
            items = http.get("/api/notifications/feed", headers=headers).json()["items"]
            if items or time.monotonic() > deadline:
                return list(items)
            time.sleep(0.5)


def test_demo_campaign_reaches_the_school_feed_and_its_calendar_through_the_gateway(system: RunningSystem) -> None:
    principal = system.login("hieutruong.hoabinh@vinhlong.edu.vn")
    items = _eventually_feed(system, principal)
    with system.client() as http:
        campaign = http.get("/api/submissions/campaigns", headers=principal).json()["items"][0]
        unread = http.get("/api/notifications/feed/unread-count", headers=principal).json()
        feed = http.post("/api/notifications/calendar-feeds", json={"scope": "unit"}, headers=principal).json()
    ics = httpx.get(feed["url"], timeout=30)  # no token: the secret in the URL is the credential

    assert [i["kind"] for i in items] == ["campaign_published"]
    assert items[0]["title"] == f"Đợt báo cáo mới: {campaign['title']}"
    assert items[0]["link"] == f"/campaigns/{campaign['id']}"
    assert unread == {"unread": 1}
    assert feed["url"].startswith(f"{system.gateway}/api/notifications/calendar/")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in ics.text and f"UID:{campaign['id']}-" in ics.text
    if not QuietHours(Settings().quiet_hours_start, Settings().quiet_hours_end).contains(utcnow()):
        deadline = time.monotonic() + 30  # at night the mail waits for the morning instead
        while "mail written here instead" not in output_of(system) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "smtp not configured; mail written here instead" in output_of(system)
