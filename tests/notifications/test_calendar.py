"""Deadline calendars a phone subscribes to: parsed by a real iCalendar parser, fetched without a login, secret,
revocable and regenerable, following deadline changes and extensions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from icalendar import Calendar

from edudx_common.auth import Role
from tests.identity.builders import make_user
from tests.notifications.builders import publish_campaign, today_vn, vn, wait_for_events
from tests.notifications.conftest import Harness, System

FEEDS = "/api/notifications/calendar-feeds"


def _fetchable(system: System, url: str) -> str:
    """The URL a phone gets points at the public address; the test fetches from the app itself."""
    return url.replace(system.settings.app_base_url, system.notifications.url)


def _events(body: bytes) -> tuple[Calendar, list[Any]]:
    calendar = Calendar.from_ical(body)
    return calendar, [c for c in calendar.walk() if c.name == "VEVENT"]


async def test_unit_and_user_feeds_import_into_a_calendar_and_can_be_regenerated_and_revoked(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    today = today_vn()
    district, admin = await h.district(2)
    school, other = district.schools
    principal = await h.sign_in(school.principal)
    due = vn(today + timedelta(days=10), 17)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=due)
    await wait_for_events(databases.notifications, 1)
    extended = due + timedelta(days=3)
    async with httpx.AsyncClient(base_url=system.submissions.url, headers=admin) as sub:
        response = await sub.put(f"/api/submissions/campaigns/{campaign['id']}/targets/{school.unit.id}/extension",
                                 json={"due_at": extended.isoformat(), "reason": "Mất điện"})
        assert response.status_code == 200
    await wait_for_events(databases.notifications, 2)

    unit_feed = await api.post(FEEDS, json={"scope": "unit", "name": "Lịch chung của trường"}, headers=principal)
    user_feed = await api.post(FEEDS, json={"scope": "user"}, headers=principal)
    other_school = await api.post(FEEDS, json={"scope": "unit", "unit_id": str(other.unit.id)}, headers=principal)
    phong_feed = await api.post(FEEDS, json={"scope": "unit"}, headers=admin)
    listing = await api.get(FEEDS, headers=principal)
    unit_url = unit_feed.json()["url"]
    async with httpx.AsyncClient() as phone:  # no Authorization header, as a calendar app fetches
        unit_ics = await phone.get(_fetchable(system, unit_url))
        user_ics = await phone.get(_fetchable(system, user_feed.json()["url"]))
        phong_ics = await phone.get(_fetchable(system, phong_feed.json()["url"]))
        guessed = await phone.get(_fetchable(system, unit_url[:-10] + "x" * 6 + ".ics"))

    assert unit_feed.status_code == 201 and unit_url.startswith("https://edudx.example.vn/api/notifications/calendar/")
    assert unit_feed.json()["webcal_url"].startswith("webcal://edudx.example.vn/api/notifications/calendar/")
    assert other_school.status_code == 404
    assert {f["id"] for f in listing.json()["items"]} == {unit_feed.json()["id"], user_feed.json()["id"]}
    assert all("url" not in f for f in listing.json()["items"])  # the secret is shown once
    assert unit_ics.status_code == 200 and unit_ics.headers["content-type"].startswith("text/calendar")
    calendar, events = _events(unit_ics.content)
    assert str(calendar["X-WR-CALNAME"]) == f"EduDX – Hạn nộp báo cáo – {school.unit.name}"
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == f"Hạn nộp: {campaign['title']}"
    assert event["DTEND"].dt == extended and event["DTSTART"].dt == extended - timedelta(hours=1)
    assert str(event["DTEND"].dt.tzinfo) == "Asia/Ho_Chi_Minh" or event["DTEND"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert f"Hạn nộp: {extended:%d/%m/%Y} 17:00" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"https://edudx.example.vn/campaigns/{campaign['id']}"
    assert [a["TRIGGER"].dt for a in event.subcomponents] == [timedelta(days=-1), timedelta(hours=-2)]
    assert user_ics.status_code == 200 and _events(user_ics.content)[1][0]["UID"] == event["UID"]
    _, phong_events = _events(phong_ics.content)
    assert [str(e["SUMMARY"]) for e in phong_events] == [f"Hạn nộp (đơn vị ban hành): {campaign['title']}"]
    assert phong_events[0]["DTEND"].dt == due
    assert guessed.status_code == 404

    # the deadline moves: the event moves with it, with a higher SEQUENCE so phones replace it
    async with httpx.AsyncClient(base_url=system.submissions.url, headers=admin) as sub:
        response = await sub.patch(f"/api/submissions/campaigns/{campaign['id']}",
                                   json={"due_at": (due + timedelta(days=1)).isoformat()})
        assert response.status_code == 200
    await wait_for_events(databases.notifications, 3)
    regenerated = await api.post(f"{FEEDS}/{unit_feed.json()['id']}/regenerate", headers=admin)  # its Phòng
    revoked = await api.delete(f"{FEEDS}/{user_feed.json()['id']}", headers=principal)
    async with httpx.AsyncClient() as phone:
        old_unit = await phone.get(_fetchable(system, unit_url))
        new_unit = await phone.get(_fetchable(system, regenerated.json()["url"]))
        old_user = await phone.get(_fetchable(system, user_feed.json()["url"]))
        phong_after = await phone.get(_fetchable(system, phong_feed.json()["url"]))

    assert regenerated.status_code == 200 and old_unit.status_code == 404 and new_unit.status_code == 200
    assert old_unit.headers["content-type"] == "application/problem+json"
    assert old_unit.json()["code"] == "calendar_feed_not_found"
    assert revoked.status_code == 204 and old_user.status_code == 404
    unchanged = _events(new_unit.content)[1][0]  # the school has its own (extended) deadline: it stays
    assert unchanged["DTEND"].dt == extended
    moved = _events(phong_after.content)[1][0]
    assert moved["DTEND"].dt == due + timedelta(days=1) and int(moved["SEQUENCE"]) == 1


async def test_a_user_feed_stops_when_the_account_is_deactivated(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    district, _ = await h.district(1)
    async with databases.identity() as session:
        leaving = await make_user(session, district.schools[0].unit, Role.SCHOOL_IT_OFFICER, name="Sắp nghỉ việc")
    headers = await h.sign_in(leaving)
    feed = (await api.post(FEEDS, json={"scope": "user"}, headers=headers)).json()
    async with httpx.AsyncClient() as phone:
        before = await phone.get(_fetchable(system, feed["url"]))
    async with databases.identity() as session:
        leaving.active = False
        session.add(leaving)
        await session.commit()
    async with httpx.AsyncClient() as phone:
        after = await phone.get(_fetchable(system, feed["url"]))

    assert before.status_code == 200 and _events(before.content)[1] == []
    assert after.status_code == 404
