"""A campaign that changes while it runs: an extension for one school, a school withdrawn, the deadline moved,
the campaign closed and reopened. Reminders follow each unit's own deadline, through submissions' real events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.notifications.builders import (
    District,
    publish_campaign,
    today_vn,
    vn,
    wait_for_events,
)
from tests.notifications.conftest import Harness

API = "/api/submissions/campaigns"


async def test_reminders_follow_extensions_withdrawals_deadline_changes_and_closing(harness: Harness) -> None:
    h = harness
    system, databases, worker, clock, inbox = h.system, h.databases, h.worker, h.clock, h.inbox
    today = today_vn()
    district, admin = await h.district(3)
    school_a, _school_b, school_c = district.schools
    d = today + timedelta(days=10)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(d, 17))
    base = f"{API}/{campaign['id']}"
    events = 1
    sub = httpx.AsyncClient(base_url=system.submissions.url, headers=admin, timeout=30)

    async def change(method: str, url: str, **body: Any) -> None:
        nonlocal events
        response = await sub.request(method, url, **body)
        assert response.status_code == 200, response.text
        events += 1
        await wait_for_events(databases.notifications, events)

    async def at(day: date, hour: int = 8, minute: int = 1) -> dict[str, list[str]]:
        """Run the worker at that time; who got which kind of mail (school letter → subjects)."""
        clock.set(vn(day, hour, minute))
        await worker.run_once()
        return _by_school(district, inbox.take())

    async with sub:
        await wait_for_events(databases.notifications, events)
        assert set(await at(today, 10, 1)) == {"A", "B", "C"}  # the publication

        await change("PUT", f"{base}/targets/{school_a.unit.id}/extension",
                     json={"due_at": vn(d + timedelta(days=5), 17).isoformat(), "reason": "Trường bị ngập lụt"})
        extension = await at(today, 10, 2)
        await change("DELETE", f"{base}/targets/{school_c.unit.id}")
        await change("PATCH", base, json={"due_at": vn(d + timedelta(days=2), 17).isoformat()})
        moved = await at(today, 10, 3)
        b_day_before = await at(d + timedelta(days=1))
        a_day_before = await at(d + timedelta(days=4))
        clock.set(vn(d + timedelta(days=4), 9))
        await change("POST", f"{base}/close")
        while_closed = await at(d + timedelta(days=5))
        clock.set(vn(d + timedelta(days=5), 9))
        await change("POST", f"{base}/reopen")
        a_overdue = await at(d + timedelta(days=6))
        b_overdue = await at(d + timedelta(days=7))

    assert extension == {"A": [f"[EduDX] Đơn vị được gia hạn nộp báo cáo: {campaign['title']}"]}
    assert moved == {"B": [f"[EduDX] Thay đổi hạn nộp báo cáo: {campaign['title']}"]}  # A has its own, C left
    assert b_day_before == {"B": [f"[EduDX] Nhắc hạn nộp báo cáo (còn 1 ngày): {campaign['title']}"]}
    # A's reminder of the day before its own deadline; B's overdue day 1 was yesterday: not sent a day late
    assert a_day_before == {"A": [f"[EduDX] Nhắc hạn nộp báo cáo (còn 1 ngày): {campaign['title']}"]}
    assert while_closed == {}
    assert a_overdue == {"A": [f"[EduDX] Báo cáo quá hạn nộp (quá hạn 1 ngày): {campaign['title']}"]}
    assert b_overdue == {"B": [f"[EduDX] Báo cáo quá hạn nộp (quá hạn 5 ngày): {campaign['title']}"],
                         "Phòng": [f"[EduDX] 2 đơn vị quá hạn nộp báo cáo: {campaign['title']}"]}


def _by_school(district: District, mails: list[Any]) -> dict[str, list[str]]:
    letters = {frozenset(s.addresses): "ABC"[i] for i, s in enumerate(district.schools)}
    found: dict[str, list[str]] = {}
    for mail in mails:
        if mail.kind == "reviewer_digest":
            continue
        who = "Phòng" if district.phong_admin.email in mail.rcpt_tos else letters[frozenset(mail.rcpt_tos)]
        found.setdefault(who, []).append(mail.subject)
    return found
