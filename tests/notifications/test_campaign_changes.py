"""A campaign that changes while it runs: an extension for one school, a school withdrawn, the deadline moved,
the campaign closed and reopened. Reminders follow each unit's own deadline, through submissions' real events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from notifications.campaigns import service as campaign_service
from notifications.campaigns.models import TrackedCampaign
from notifications.campaigns.service import CampaignFacts
from tests.notifications.builders import (
    District,
    publish_campaign,
    today_vn,
    vn,
    wait_for_events,
)
from tests.notifications.conftest import Databases, Harness, System
from tests.support import on_postgres

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


async def test_two_first_events_of_one_campaign_at_once_both_apply(system: System, databases: Databases) -> None:
    """Two events of a campaign notifications has not seen yet, handled at the same moment (the demo extends
    several schools of a new campaign in parallel): both find no row. On PostgreSQL the second insert used to
    fail on the primary key, so its delivery was answered 409 and retried; now it waits for the first and
    applies its fact to the row the first created."""
    campaign_id, issuer = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    first = CampaignFacts(campaign_id=campaign_id, title="Báo cáo CĐS", issuer_unit_id=issuer,
                          due_at=now + timedelta(days=10), fact_at=now - timedelta(seconds=2))
    moved = CampaignFacts(campaign_id=campaign_id, title="Báo cáo CĐS", issuer_unit_id=issuer,
                          due_at=now + timedelta(days=12), fact_at=now - timedelta(seconds=1))

    async with databases.notifications() as holder, holder.begin():
        await campaign_service.apply_campaign(holder, first, now=now)  # inserted, not committed
        second = asyncio.create_task(_apply_alone(databases, moved, now))
        await _until_blocked(system, databases, second)
    await second  # raised IntegrityError (tracked_campaigns_pkey) before the fix

    async with databases.notifications() as session:
        stored = await session.get(TrackedCampaign, campaign_id)
        assert stored is not None
        assert (stored.due_at, stored.due_fact_at) == (moved.due_at, moved.fact_at)  # the later fact is kept


async def _apply_alone(databases: Databases, facts: CampaignFacts, now: datetime) -> None:
    async with databases.notifications() as session, session.begin():
        await campaign_service.apply_campaign(session, facts, now=now)


async def _until_blocked(system: System, databases: Databases, task: asyncio.Task[None]) -> None:
    """Until the second transaction waits on the first one's uncommitted row (PostgreSQL), so the two really
    overlap; SQLite runs one writer at a time, so there the second simply waits for the commit."""
    if not on_postgres():
        await asyncio.sleep(0.2)
        return
    name = f"edudx:{system.notifications.schema}"
    async with databases.notifications() as probe:
        for _ in range(600):
            if task.done():
                return
            waiting = (await probe.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name AND wait_event_type = 'Lock'"),
                {"name": name})).scalar_one()
            if waiting:
                return
            # pg_stat_activity is read once per transaction and kept: a probe that stays in one transaction sees
            # the moment of its first look forever (under load, before the second transaction got to its lock).
            await probe.rollback()
            await asyncio.sleep(0.05)
    raise AssertionError("the second transaction never waited for the first")
