"""Delivery: an SMTP outage delays mail but loses none; a refused address is a failure the authority admin sees
and can retry; nothing is e-mailed at night."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from notifications.delivery.models import OutgoingEmail
from tests.notifications.builders import (
    make_district,
    make_emails,
    publish_campaign,
    submit_for,
    today_vn,
    vn,
    wait_for_events,
)
from tests.notifications.conftest import Databases, Harness, worker_with
from tests.notifications.support import Recorder
from tests.smtp import smtp_server
from tests.support import free_port


async def _emails(databases: Databases) -> list[OutgoingEmail]:
    async with databases.notifications() as session:
        return list((await session.execute(select(OutgoingEmail).order_by(OutgoingEmail.created_at))).scalars())


async def test_smtp_down_for_a_while_messages_are_retried_with_backoff_and_all_delivered_once(
    harness: Harness,
) -> None:
    h = harness
    system, databases, clock = h.system, h.databases, h.clock
    clock.set(vn(today_vn(), 9))
    message_ids = await make_emails(databases.notifications, 20, now=clock())
    port = free_port()  # nothing listens there yet: the mail server is down

    async with worker_with(system, databases, clock, smtp_port=port) as worker:
        first = (await worker.run_once(steps=("send",))).send
        after_first = await _emails(databases)
        clock.advance(minutes=2)
        second = (await worker.run_once(steps=("send",))).send
        after_second = await _emails(databases)
        clock.advance(seconds=30)
        too_early = (await worker.run_once(steps=("send",))).send
        recorder = Recorder()
        with smtp_server(handler=recorder, port=port):  # the server is back
            clock.advance(minutes=5)
            third = (await worker.run_once(steps=("send",))).send
        final = await _emails(databases)

    assert first is not None and second is not None and third is not None and too_early is not None
    assert (first.claimed, first.sent, first.retried) == (20, 0, 20)
    assert all(e.status == "pending" and e.attempts == 1 and e.last_error for e in after_first)
    # exponential backoff with jitter: about 1 minute after the first failure, about 2 after the second
    assert all(timedelta(seconds=47) <= e.next_attempt_at - vn(today_vn(), 9) <= timedelta(seconds=73)
               for e in after_first)
    assert (second.sent, second.retried) == (0, 20)
    assert all(e.attempts == 2 and timedelta(seconds=95) <= e.next_attempt_at - clock() + timedelta(
        minutes=5, seconds=30) <= timedelta(seconds=145) for e in after_second)
    assert too_early.claimed == 0
    assert (third.sent, third.retried, third.failed) == (20, 0, 0)
    assert recorder.message_id_counts() == dict.fromkeys(message_ids, 1)
    assert {(e.status, e.attempts) for e in final} == {("sent", 3)}


async def test_refused_address_is_a_failure_the_authority_admin_of_the_subtree_sees_and_retries(
    harness: Harness,
) -> None:
    h = harness
    api, system, databases, clock, inbox = h.api, h.system, h.databases, h.clock, h.inbox
    recorder = inbox
    clock.set(vn(today_vn(), 9))
    district = await make_district(databases.identity, schools=1)
    other = await make_district(databases.identity, schools=1)
    school = district.schools[0]
    ids = await make_emails(databases.notifications, 3, now=clock(), unit_path=school.unit.path,
                            to="bo.phan{i}@truong.edu.vn")
    recorder.refused.add("bo.phan1@truong.edu.vn")

    async with worker_with(system, databases, clock) as worker:
        report = (await worker.run_once(steps=("send",))).send
        phong_admin = await h.sign_in(district.phong_admin)
        so_admin = await h.sign_in(district.so_admin)
        other_admin = await h.sign_in(other.phong_admin)
        principal = await h.sign_in(school.principal)
        failed = await api.get("/api/notifications/deliveries", params={"status": "failed"}, headers=phong_admin)
        from_above = await api.get("/api/notifications/deliveries", params={"status": "failed"}, headers=so_admin)
        elsewhere = await api.get("/api/notifications/deliveries", params={"status": "failed"}, headers=other_admin)
        school_user = await api.get("/api/notifications/deliveries", headers=principal)
        summary = await api.get("/api/notifications/deliveries/summary", headers=phong_admin)
        delivery_id = failed.json()["items"][0]["id"]
        not_theirs = await api.post(f"/api/notifications/deliveries/{delivery_id}/retry", headers=other_admin)
        recorder.refused.clear()  # the school fixed its mailbox
        retried = await api.post(f"/api/notifications/deliveries/{delivery_id}/retry", headers=phong_admin)
        again = await api.post(f"/api/notifications/deliveries/{delivery_id}/retry", headers=phong_admin)
        await worker.run_once(steps=("send",))

    assert report is not None and (report.sent, report.failed) == (2, 1)
    assert failed.status_code == 200 and failed.json()["total"] == 1
    item = failed.json()["items"][0]
    assert item["to_addresses"] == ["bo.phan1@truong.edu.vn"] and "550" in item["last_error"]
    assert item["status"] == "failed" and item["attempts"] == 1
    assert from_above.json()["total"] == 1 and elsewhere.json()["total"] == 0
    assert school_user.status_code == 403 and school_user.json()["code"] == "not_allowed"
    assert summary.json() == {"pending": 0, "sending": 0, "sent": 2, "failed": 1, "cancelled": 0}
    assert not_theirs.status_code == 404 and not_theirs.json()["code"] == "delivery_not_found"
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    assert again.status_code == 409 and again.json()["code"] == "delivery_state_conflict"
    assert recorder.message_id_counts() == dict.fromkeys(ids, 1)
    assert {e.status for e in await _emails(databases)} == {"sent"}


async def test_returned_at_night_feed_at_once_email_with_the_reasons_in_the_morning(harness: Harness) -> None:
    h = harness
    api, system, databases, worker, clock, inbox = h.api, h.system, h.databases, h.worker, h.clock, h.inbox
    recorder = inbox
    today = today_vn()
    district, admin = await h.district(1, hour=22)
    clock.set(vn(today, 22, 30))
    school = district.schools[0]
    reviewer = await h.sign_in(district.phong_reviewer)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today + timedelta(days=10), 17))
    submission = await submit_for(system.submissions.url, admin, campaign["id"], school.unit.id)
    resubmit_by = vn(today + timedelta(days=5), 16, 30)
    async with httpx.AsyncClient(base_url=system.submissions.url) as http:
        returned = await http.post(f"/api/submissions/submissions/{submission['id']}/return", headers=reviewer, json={
            "reasons": {"general": "Thiếu chữ ký của Hiệu trưởng", "sections": {"3": "Bổ sung số bài đăng"},
                        "criteria": {"4.1": "Chưa có kế hoạch CNTT (file PDF)"}},
            "resubmission_due_at": resubmit_by.isoformat()})
    assert returned.status_code == 200, returned.text
    await wait_for_events(databases.notifications, 3)

    night = await worker.run_once()
    feed = await api.get("/api/notifications/feed", headers=await h.sign_in(school.principal))
    clock.set(vn(today + timedelta(days=1), 6, 59))
    before_seven = (await worker.run_once(steps=("send",))).send
    clock.set(vn(today + timedelta(days=1), 7, 0))
    morning = (await worker.run_once(steps=("send",))).send

    assert night.expanded >= 2 and night.send is not None and night.send.claimed == 0
    assert sorted(i["kind"] for i in feed.json()["items"]) == ["campaign_published", "submission_returned"]
    assert before_seven is not None and before_seven.claimed == 0
    assert morning is not None and morning.sent == 2
    mail = recorder.of_kind("submission_returned")[0]
    assert set(mail.rcpt_tos) == school.addresses
    assert mail.subject == f"[EduDX] Báo cáo bị trả lại: {campaign['title']}"
    for text in ("Thiếu chữ ký của Hiệu trưởng", "Mục 3", "Bổ sung số bài đăng", "Tiêu chí 4.1",
                 "Chưa có kế hoạch CNTT (file PDF)", f"Hạn nộp lại: {resubmit_by:%d/%m/%Y} 16:30 (còn 5 ngày)"):
        assert text in mail.text and text in mail.html_text, text
    link = f"https://edudx.example.vn/submissions/{submission['id']}"
    assert link in mail.text and f'href="{link}"' in mail.html
    assert "Mọi thông báo của anh/chị: https://edudx.example.vn/notifications" in mail.text


async def test_a_message_that_cannot_be_built_fails_alone_and_the_rest_of_its_batch_is_sent(
    harness: Harness,
) -> None:
    h = harness
    system, databases, clock, recorder = h.system, h.databases, h.clock, h.inbox
    clock.set(vn(today_vn(), 9))
    ids = await make_emails(databases.notifications, 8, now=clock())
    broken = ids[2]
    async with databases.notifications() as session, session.begin():
        email = (await session.execute(select(OutgoingEmail).where(OutgoingEmail.message_id == broken))).scalar_one()
        email.subject = "Đợt 1\r\nBcc: ai-do@example.com"  # stored before titles were checked

    async with worker_with(system, databases, clock) as worker:
        report = (await worker.run_once(steps=("send",))).send
        clock.advance(hours=2)  # long past any lease: nothing is claimed again
        later = (await worker.run_once(steps=("send",))).send

    assert report is not None and (report.sent, report.failed, report.retried) == (7, 1, 0)
    assert later is not None and later.claimed == 0
    final = {e.message_id: e for e in await _emails(databases)}
    assert final[broken].status == "failed" and "Không tạo được thư" in (final[broken].last_error or "")
    assert {final[i].status for i in ids if i != broken} == {"sent"}
    assert recorder.message_id_counts() == dict.fromkeys([i for i in ids if i != broken], 1)
