"""Events as facts: redelivered, late or out of order, about a campaign we lost track of, or from scoring —
each takes effect once, and never undoes a newer fact."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import delete, select

from edudx_common.auth import Role
from edudx_common.db import utcnow
from edudx_common.tables.inbox import InboxEvent
from notifications.campaigns.models import TrackedCampaign, TrackedTarget
from notifications.delivery.models import Notification
from tests.identity.builders import make_user
from tests.notifications.builders import (
    envelope,
    publish_campaign,
    service_headers,
    submit_for,
    today_vn,
    vn,
    wait_for_events,
)
from tests.notifications.conftest import SECRETS, Databases, Harness

EVENTS = "/api/notifications/events"


async def _notifications(databases: Databases, kind: str) -> list[Notification]:
    async with databases.notifications() as session:
        return list((await session.execute(select(Notification).where(Notification.kind == kind))).scalars())


async def _target(databases: Databases, campaign_id: str, unit_id: uuid.UUID) -> TrackedTarget | None:
    async with databases.notifications() as session:
        return await session.get(TrackedTarget, (uuid.UUID(campaign_id), unit_id))


async def test_redelivered_and_out_of_order_submission_events_keep_the_newest_fact(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    district, admin = await h.district(2)
    school = district.schools[0]
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today_vn() + timedelta(days=10), 17))
    await wait_for_events(databases.notifications, 1)
    service = await service_headers(system.identity.url, "submissions", SECRETS["submissions"])
    base = {"campaign_id": campaign["id"], "campaign_title": campaign["title"], "unit_id": str(school.unit.id),
            "unit_name": school.unit.name, "submission_id": str(uuid.uuid4()), "unit_path": school.unit.path}
    now = utcnow()
    base["unit_due_at"] = (now + timedelta(days=3)).isoformat()
    returned = envelope("submission.returned", {**base, "reasons": {"general": "Bổ sung minh chứng"},
                                                "resubmission_due_at": (now + timedelta(days=3)).isoformat()},
                        occurred_at=now + timedelta(seconds=2))
    submitted_before = envelope("submission.submitted", {**base, "version": 1, "late_seconds": 0,
                                                         "resubmission": False, "on_behalf": True},
                                occurred_at=now + timedelta(seconds=1))

    first = await api.post(EVENTS, json=returned, headers=service)
    again = await api.post(EVENTS, json=returned, headers=service)  # the producer did not hear our answer
    late = await api.post(EVENTS, json=submitted_before, headers=service)  # older, delivered after
    target = await _target(databases, campaign["id"], school.unit.id)
    notes = await _notifications(databases, "submission_returned")

    assert [r.status_code for r in (first, again, late)] == [204, 204, 204]
    assert target is not None and target.state == "returned"
    assert target.due_at == target.resubmission_due_at  # reminded against the resubmission deadline now
    assert target.last_submitted_at is not None
    assert len(notes) == 1 and notes[0].data["reasons"] == {"general": "Bổ sung minh chứng"}


async def test_an_event_about_a_campaign_we_lost_is_reconciled_from_the_submissions_api(harness: Harness) -> None:
    h = harness
    api, system, databases, worker = h.api, h.system, h.databases, h.worker
    district, admin = await h.district(3)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today_vn() + timedelta(days=10), 17))
    await wait_for_events(databases.notifications, 1)
    async with databases.notifications() as session, session.begin():  # as if campaign.published had been lost
        await session.execute(delete(TrackedTarget))
        await session.execute(delete(TrackedCampaign))
    school = district.schools[1]
    service = await service_headers(system.identity.url, "submissions", SECRETS["submissions"])
    await submit_for(system.submissions.url, admin, campaign["id"], school.unit.id)  # its real event follows
    await wait_for_events(databases.notifications, 2)
    async with databases.notifications() as session:
        stub = await session.get(TrackedCampaign, uuid.UUID(campaign["id"]))
        stub_needs_sync = stub.needs_sync if stub else None
    report = await worker.run_once(steps=("reconcile",))
    base = {"campaign_title": campaign["title"], "unit_id": str(school.unit.id), "submission_id": str(uuid.uuid4())}
    unknown = envelope("submission.submitted", {**base, "campaign_id": str(uuid.uuid4())})
    bad = envelope("submission.returned", {"campaign_id": campaign["id"]})
    rejected = await api.post(EVENTS, json=unknown, headers=service)
    unreadable = await api.post(EVENTS, json=bad, headers=service)
    async with databases.notifications() as session:
        targets = {t.unit_id: t for t in (await session.execute(select(TrackedTarget))).scalars()}
        synced = await session.get(TrackedCampaign, uuid.UUID(campaign["id"]))

    assert stub_needs_sync is True
    assert report.synced is not None and [(r.found, r.targets) for r in report.synced] == [(True, 3)]
    assert set(targets) == {s.unit.id for s in district.schools}
    assert targets[school.unit.id].state == "submitted" and targets[school.unit.id].next_reminder_at is None
    assert {t.state for u, t in targets.items() if u != school.unit.id} == {"pending"}
    assert all(t.next_reminder_at is not None for u, t in targets.items() if u != school.unit.id)
    assert synced is not None and not synced.needs_sync and synced.title == campaign["title"]
    assert rejected.status_code == 422 and rejected.json()["code"] == "invalid_event"
    assert unreadable.status_code == 422 and unreadable.json()["code"] == "invalid_event"


async def test_results_published_by_scoring_reach_principal_and_it_officer_by_mail_and_feed(harness: Harness) -> None:
    h = harness
    api, system, databases, worker, inbox = h.api, h.system, h.databases, h.worker, h.inbox
    district, _ = await h.district(3)
    scoring = await service_headers(system.identity.url, "scoring", SECRETS["scoring"])
    campaign_id = str(uuid.uuid4())
    published = [s for s in district.schools[:2]]
    event = envelope("results.published", {
        "campaign_id": campaign_id, "campaign_title": "Đánh giá mức độ chuyển đổi số năm học 2025-2026",
        "issuer_unit_id": str(district.phong.id), "published_at": utcnow().isoformat(),
        "unit_ids": [str(s.unit.id) for s in published]})
    principal = await h.sign_in(published[0].principal)

    accepted = await api.post(EVENTS, json=event, headers=scoring)
    redelivered = await api.post(EVENTS, json=event, headers=scoring)
    as_user = await api.post(EVENTS, json=envelope("results.published", event["payload"]), headers=principal)
    no_token = await api.post(EVENTS, json=event)
    await worker.run_once()
    feed = await api.get("/api/notifications/feed", headers=principal)
    mails = inbox.of_kind("results_published")

    assert (accepted.status_code, redelivered.status_code) == (204, 204)
    assert as_user.status_code == 403 and no_token.status_code == 401
    assert len(mails) == 2
    assert {frozenset(m.rcpt_tos) for m in mails} == {frozenset(s.addresses) for s in published}
    assert all(m.subject == "[EduDX] Đã công bố kết quả đánh giá: Đánh giá mức độ chuyển đổi số năm học 2025-2026"
               for m in mails)
    assert all(f"https://edudx.example.vn/campaigns/{campaign_id}" in m.text for m in mails)
    items = feed.json()["items"]
    assert [(i["kind"], i["link"]) for i in items] == [("results_published", f"/campaigns/{campaign_id}")]
    assert len(await _notifications(databases, "results_published")) == 2


async def test_only_a_producer_allowed_for_the_type_may_send_an_event(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    district, _ = await h.district(1)
    async with databases.identity() as session:
        admin_user = await make_user(session, district.phong, Role.SYSTEM_ADMIN, name="Quản trị hệ thống")
    system_admin = await h.sign_in(admin_user)
    from_scoring = await service_headers(system.identity.url, "scoring", SECRETS["scoring"])
    from_submissions = await service_headers(system.identity.url, "submissions", SECRETS["submissions"])
    for_scoring = await service_headers(system.identity.url, "submissions", SECRETS["submissions"], "scoring")
    forged = envelope("submission.approved", {
        "campaign_id": str(uuid.uuid4()), "campaign_title": "Thông báo giả mạo", "unit_id": str(district.phong.id),
        "submission_id": str(uuid.uuid4())})
    results = envelope("results.published", {
        "campaign_id": str(uuid.uuid4()), "campaign_title": "Kết quả giả mạo", "issuer_unit_id": str(district.phong.id),
        "published_at": utcnow().isoformat(), "unit_ids": [str(district.schools[0].unit.id)]})

    by_admin = await api.post(EVENTS, json=forged, headers=system_admin)
    scoring_sends_approval = await api.post(EVENTS, json=forged, headers=from_scoring)
    submissions_sends_results = await api.post(EVENTS, json=results, headers=from_submissions)
    token_for_another_service = await api.post(EVENTS, json=forged, headers=for_scoring)

    assert by_admin.status_code == 403 and by_admin.json()["code"] == "forbidden"
    assert scoring_sends_approval.status_code == 403
    assert submissions_sends_results.status_code == 403
    assert token_for_another_service.status_code == 401
    async with databases.notifications() as session:
        received = (await session.execute(select(InboxEvent))).scalars().all()
    assert {e.event_id for e in received}.isdisjoint({uuid.UUID(forged["id"]), uuid.UUID(results["id"])})


async def test_a_deactivated_users_token_is_refused_within_seconds(harness: Harness) -> None:
    h = harness
    api, system = h.api, h.system
    district, phong_admin = await h.district(1)
    principal = await h.sign_in(district.schools[0].principal)
    before = await api.get("/api/notifications/feed", headers=principal)

    async with httpx.AsyncClient(base_url=system.identity.url) as identity:
        deactivated = await identity.patch(f"/api/identity/users/{district.schools[0].principal.id}",
                                           json={"active": False}, headers=phong_admin)
    started = time.monotonic()
    after = await api.get("/api/notifications/feed", headers=principal)
    while after.status_code != 401 and time.monotonic() - started < 15:
        await asyncio.sleep(0.25)
        after = await api.get("/api/notifications/feed", headers=principal)

    assert before.status_code == 200
    assert deactivated.status_code == 200, deactivated.text
    assert after.status_code == 401
    assert time.monotonic() - started < 12


async def test_a_reviewer_s_remind_now_reminds_each_school_once(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    district, admin = await h.district(2)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today_vn() + timedelta(days=10), 17))
    await wait_for_events(databases.notifications, 1)
    service = await service_headers(system.identity.url, "submissions", SECRETS["submissions"])
    schools = [str(s.unit.id) for s in district.schools]
    request_id = str(uuid.uuid4())
    requested = envelope("campaign.reminders_requested", {
        "campaign_id": campaign["id"], "title": campaign["title"], "issuer_unit_id": campaign["issuer_unit_id"],
        "due_at": campaign["due_at"], "kind": campaign["kind"], "request_id": request_id,
        "unit_ids": [*schools, schools[0]], "message": "Hạn nộp là thứ Sáu", "requested_by_name": "Lê Thẩm Định"})

    first = await api.post(EVENTS, json=requested, headers=service)
    again = await api.post(EVENTS, json=requested, headers=service)
    notes = await _notifications(databases, "manual_reminder")

    assert (first.status_code, again.status_code) == (204, 204)
    assert sorted(str(n.unit_id) for n in notes) == sorted(schools)
    assert {n.data["message"] for n in notes} == {"Hạn nộp là thứ Sáu"}


async def test_a_batch_is_handled_event_by_event_with_an_answer_for_each(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    district, admin = await h.district(1)
    school = district.schools[0]
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today_vn() + timedelta(days=10), 17))
    await wait_for_events(databases.notifications, 1)
    service = await service_headers(system.identity.url, "submissions", SECRETS["submissions"])
    now = utcnow()
    base = {"campaign_id": campaign["id"], "campaign_title": campaign["title"], "unit_id": str(school.unit.id),
            "unit_name": school.unit.name, "submission_id": str(uuid.uuid4()), "unit_path": school.unit.path,
            "unit_due_at": (now + timedelta(days=3)).isoformat()}
    returned = envelope("submission.returned", {**base, "reasons": {"general": "Bổ sung minh chứng"},
                                                "resubmission_due_at": (now + timedelta(days=3)).isoformat()})
    not_theirs = envelope("results.published", {  # scoring's type: 403 for this event alone, retried
        "campaign_id": campaign["id"], "campaign_title": "Kết quả", "issuer_unit_id": str(district.phong.id),
        "published_at": now.isoformat(), "unit_ids": [str(school.unit.id)]})
    unreadable = envelope("submission.approved", {"campaign_id": "không phải mã"})  # 422: rejected for good

    response = await api.post(f"{EVENTS}/batch", json={"events": [returned, not_theirs, returned, unreadable]},
                              headers=service)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["outcome"], r["status"]) for r in results] == [
        (returned["id"], "done", 204), (not_theirs["id"], "retry", 403), (returned["id"], "duplicate", 204),
        (unreadable["id"], "rejected", 422)]
    assert results[1]["problem"]["code"] == "forbidden"
    target = await _target(databases, campaign["id"], school.unit.id)
    assert target is not None and target.state == "returned"
    assert len(await _notifications(databases, "submission_returned")) == 1
    async with databases.notifications() as session:
        received = {e.event_id for e in (await session.execute(select(InboxEvent))).scalars()}
    assert uuid.UUID(returned["id"]) in received
    assert received.isdisjoint({uuid.UUID(not_theirs["id"]), uuid.UUID(unreadable["id"])})
