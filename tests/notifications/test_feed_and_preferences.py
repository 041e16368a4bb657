"""The in-app feed is each user's own; preferences mute optional e-mails, never one's own deadline reminders."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from notifications.feed.models import FeedItem
from tests.notifications.builders import publish_campaign, today_vn, vn, wait_for_events
from tests.notifications.conftest import Harness

FEED = "/api/notifications/feed"
PREFERENCES = "/api/notifications/preferences/me"


async def test_muted_optional_mail_still_reaches_the_feed_and_deadline_reminders_cannot_be_muted(
    harness: Harness,
) -> None:
    h = harness
    api, system, databases, worker, clock, inbox = h.api, h.system, h.databases, h.worker, h.clock, h.inbox
    today = today_vn()
    district, admin = await h.district(1)
    school = district.schools[0]
    principal = await h.sign_in(school.principal)

    defaults = await api.get(PREFERENCES, headers=principal)
    muted = await api.put(PREFERENCES, headers=principal, json={"email": {"campaign_published": False}})
    refused = await api.put(PREFERENCES, headers=principal, json={"email": {"deadline_reminders": False}})
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today + timedelta(days=3), 17))
    await wait_for_events(databases.notifications, 1)
    await worker.run_once()
    published = inbox.take()
    clock.set(vn(today + timedelta(days=2), 8, 1))  # the day before the deadline
    await worker.run_once()
    reminders = [m for m in inbox.take() if m.kind == "deadline_reminder"]
    feed = await api.get(FEED, headers=principal)

    assert defaults.status_code == 200
    assert {c["category"]: (c["email"], c["mutable"]) for c in defaults.json()["categories"]} == {
        "deadline_reminders": (True, False), "campaign_published": (True, True), "submission_updates": (True, True),
        "results": (True, True), "escalations": (True, True), "reviewer_digest": (True, True),
        "integrations": (True, False)}
    assert muted.status_code == 200
    assert next(c for c in muted.json()["categories"] if c["category"] == "campaign_published")["email"] is False
    assert refused.status_code == 422 and refused.json()["code"] == "mandatory_category"
    assert [set(m.rcpt_tos) for m in published if m.kind == "campaign_published"] == [
        {school.officer.email, school.unit.email}]  # not the principal, who muted it
    assert [set(m.rcpt_tos) for m in reminders] == [school.addresses]  # the principal too
    assert [i["kind"] for i in feed.json()["items"]] == ["deadline_reminder", "campaign_published"]
    assert feed.json()["items"][1]["title"] == f"Đợt báo cáo mới: {campaign['title']}"


async def test_feed_unread_count_and_marking_read_only_for_oneself(harness: Harness) -> None:
    h = harness
    api, system, databases, worker, clock = h.api, h.system, h.databases, h.worker, h.clock
    today = today_vn()
    district, admin = await h.district(2)
    mine, theirs = district.schools
    await publish_campaign(system.submissions.url, admin, due_at=vn(today + timedelta(days=3), 17))
    await wait_for_events(databases.notifications, 1)
    clock.set(vn(today, 11))
    await worker.run_once()
    clock.set(vn(today + timedelta(days=2), 8, 1))
    await worker.run_once()
    officer = await h.sign_in(mine.officer)
    other = await h.sign_in(theirs.officer)
    async with databases.notifications() as session:
        their_item = (await session.execute(select(FeedItem).where(
            FeedItem.user_id == theirs.officer.id))).scalars().first()
    assert their_item is not None

    unread = await api.get(f"{FEED}/unread-count", headers=officer)
    listing = await api.get(FEED, headers=officer, params={"limit": 1})
    first = listing.json()["items"][0]
    read = await api.post(f"{FEED}/{first['id']}/read", headers=officer)
    after_one = await api.get(f"{FEED}/unread-count", headers=officer)
    unread_only = await api.get(FEED, headers=officer, params={"unread_only": "true"})
    not_mine = await api.post(f"{FEED}/{their_item.id}/read", headers=officer)
    all_read = await api.post(f"{FEED}/read-all", headers=officer)
    after_all = await api.get(f"{FEED}/unread-count", headers=officer)
    again = await api.post(f"{FEED}/{first['id']}/unread", headers=officer)
    theirs_untouched = await api.get(f"{FEED}/unread-count", headers=other)
    anonymous = await api.get(FEED)

    assert unread.json() == {"unread": 2}
    assert listing.json()["total"] == 2 and first["kind"] == "deadline_reminder" and first["read_at"] is None
    assert re.match(r"Hạn nộp: \d\d/\d\d/\d{4} 17:00 ", first["body"]) and first["link"].startswith("/campaigns/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert after_one.json() == {"unread": 1}
    assert [i["kind"] for i in unread_only.json()["items"]] == ["campaign_published"]
    assert not_mine.status_code == 404 and not_mine.json()["code"] == "feed_item_not_found"
    assert all_read.json() == {"updated": 1} and after_all.json() == {"unread": 0}
    assert again.json()["read_at"] is None
    assert theirs_untouched.json() == {"unread": 2}
    assert anonymous.status_code == 401
