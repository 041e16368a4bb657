"""Deadline reminders reach exactly the schools that have not submitted, on the policy's days, in Vietnamese,
through a real SMTP server — with the clock moved across the whole schedule instead of waiting for it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from notifications.delivery.models import OutgoingEmail
from tests.notifications.builders import publish_campaign, submit_for, today_vn, vn, wait_for_events
from tests.notifications.conftest import Harness


async def test_fifty_targets_ten_submitted_reminders_follow_the_schedule_to_exactly_the_others(
    harness: Harness,
) -> None:
    h = harness
    district, admin = await h.district(50)
    system, databases, worker, clock, inbox = h.system, h.databases, h.worker, h.clock, h.inbox
    due_day = today_vn() + timedelta(days=10)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(due_day, 17))
    for school in district.schools[:10]:
        await submit_for(system.submissions.url, admin, campaign["id"], school.unit.id)
    await wait_for_events(databases.notifications, 11)  # published + 10 submitted, through the real outbox

    await worker.run_once()  # the publication: every target is told, at once (10:00 is not quiet)
    published = [m for m in inbox.take() if m.kind == "campaign_published"]
    assert len(published) == 50
    assert all(m.subject == f"[EduDX] Đợt báo cáo mới: {campaign['title']}" for m in published)
    assert {frozenset(m.rcpt_tos) for m in published} == {frozenset(s.addresses) for s in district.schools}

    expected_days = {-7: "còn 7 ngày", -3: "còn 3 ngày", -1: "còn 1 ngày", 0: None,
                     **{d: f"quá hạn {d} ngày" for d in (1, 3, 5, 7, 9, 11, 13)}}
    deadline_line = f"Hạn nộp: {due_day:%d/%m/%Y} 17:00"
    late_school = district.schools[10]
    for offset in range(-9, 16):
        if offset == 1:  # the day after the deadline, before 08:00: one more school submits, late
            clock.set(vn(due_day + timedelta(days=1), 7))
            await submit_for(system.submissions.url, admin, campaign["id"], late_school.unit.id)
            await wait_for_events(databases.notifications, 12)
        for hour in (8, 15):  # the slot (08:00) and later that day: reminders go out once a day at most
            clock.set(vn(due_day + timedelta(days=offset), hour, 1))
            await worker.run_once()
            sent = [m for m in inbox.take() if m.kind != "reviewer_digest"]  # the reviewers' digest: elsewhere
            reminders = [m for m in sent if m.kind == "deadline_reminder"]
            escalations = [m for m in sent if m.kind == "overdue_escalation"]
            assert len(reminders) + len(escalations) == len(sent)
            if hour == 15 or offset not in expected_days:
                assert sent == [], (offset, hour, [m.subject for m in sent])
                continue
            outstanding = district.schools[11:] if offset >= 1 else district.schools[10:]
            assert len(reminders) == len(outstanding), offset
            assert {frozenset(m.rcpt_tos) for m in reminders} == {frozenset(s.addresses) for s in outstanding}
            for mail in reminders:
                assert campaign["title"] in mail.subject
                assert deadline_line in mail.text and deadline_line in mail.html_text
                if expected_days[offset] is None:
                    assert mail.subject.startswith("[EduDX] Hôm nay là hạn nộp báo cáo")
                else:
                    assert expected_days[offset] in mail.subject and expected_days[offset] in mail.text
                assert f"https://edudx.example.vn/campaigns/{campaign['id']}" in mail.text
            # after the deadline the Phòng gets its list of overdue schools, with how late each is
            assert len(escalations) == (1 if offset >= 1 else 0), offset
            if escalations:
                assert set(escalations[0].rcpt_tos) == {district.phong_admin.email, district.phong.email}
                assert f"{len(outstanding)} đơn vị quá hạn" in escalations[0].subject
                assert all(s.unit.name in escalations[0].text for s in outstanding)
                assert late_school.unit.name not in escalations[0].text
                assert f"quá hạn {offset} ngày" in escalations[0].text

    async with databases.notifications() as session:
        emails = dict((await session.execute(select(OutgoingEmail.kind, func.count()).where(
            OutgoingEmail.status == "sent").group_by(OutgoingEmail.kind))).all())
    assert emails.pop("reviewer_digest") >= 1
    assert emails == {"campaign_published": 50, "deadline_reminder": 4 * 40 + 7 * 39, "overdue_escalation": 7}
