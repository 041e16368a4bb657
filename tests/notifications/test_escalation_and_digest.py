"""After the deadline each supervising Phòng gets its own list of overdue schools; a school nobody can be written
to is a failure the authorities see; reviewers of the issuing Sở get a daily digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from edudx_common.auth import Role
from edudx_common.db import utcnow
from edudx_common.timezone import VIETNAM
from identity.units.models import UnitType
from tests.identity.builders import make_unit, make_user
from tests.notifications.builders import (
    publish_campaign,
    submit_for,
    today_vn,
    vn,
    wait_for_events,
)
from tests.notifications.conftest import Harness


async def test_each_phong_gets_its_overdue_schools_and_a_school_without_addresses_is_a_visible_failure(
    harness: Harness,
) -> None:
    h = harness
    api, system, databases, worker, clock, inbox = h.api, h.system, h.databases, h.worker, h.clock, h.inbox
    today = today_vn()
    district, _ = await h.district(2)
    async with databases.identity() as session:
        phong2 = await make_unit(session, parent=district.so, type=UnitType.DISTRICT_OFFICE,
                                 name="Phòng GDĐT Mang Thít")
        phong2_admin = await make_user(session, phong2, Role.AUTHORITY_ADMIN, name="Võ Văn Tâm")
        nobody = await make_unit(session, parent=phong2, name="Trường THCS Không Địa Chỉ", levels=["thcs"])
    so_admin = await h.sign_in(district.so_admin)
    due_day = today + timedelta(days=3)
    campaign = await publish_campaign(system.submissions.url, so_admin, due_at=vn(due_day, 17))
    await submit_for(system.submissions.url, so_admin, campaign["id"], district.schools[0].unit.id)
    await wait_for_events(databases.notifications, 2)
    await worker.run_once()
    inbox.take()

    clock.set(vn(due_day + timedelta(days=1), 8, 1))
    await worker.run_once()
    escalations = inbox.of_kind("overdue_escalation")
    failed = await api.get("/api/notifications/deliveries", params={"status": "failed"}, headers=so_admin)
    by_phong2 = await api.get("/api/notifications/deliveries", params={"status": "failed"},
                              headers=await h.sign_in(phong2_admin))
    by_phong1 = await api.get("/api/notifications/deliveries", params={"status": "failed"},
                              headers=await h.sign_in(district.phong_admin))

    lists = {frozenset(m.rcpt_tos): m for m in escalations}
    assert set(lists) == {frozenset({district.phong_admin.email, district.phong.email}),
                          frozenset({phong2_admin.email})}  # Mang Thít has no contact address
    first = lists[frozenset({district.phong_admin.email, district.phong.email})]
    second = lists[frozenset({phong2_admin.email})]
    assert first.subject == f"[EduDX] 1 đơn vị quá hạn nộp báo cáo: {campaign['title']}"
    assert district.schools[1].unit.name in first.text and district.schools[0].unit.name not in first.text
    assert "quá hạn 1 ngày" in first.text and f"{due_day:%d/%m/%Y} 17:00" in first.html_text
    assert "Trường THCS Không Địa Chỉ" in second.text and "1 đơn vị quá hạn" in second.subject
    # the school without any address: its reminders are recorded as failed, for its authorities to fix
    reasons = {(i["unit_name"], i["kind"]) for i in failed.json()["items"]}
    assert ("Trường THCS Không Địa Chỉ", "deadline_reminder") in reasons
    assert ("Trường THCS Không Địa Chỉ", "campaign_published") in reasons
    assert all("chưa có địa chỉ e-mail" in i["last_error"] for i in failed.json()["items"])
    assert by_phong2.json()["total"] == failed.json()["total"] and by_phong1.json()["total"] == 0
    assert nobody.id is not None


async def test_reviewers_of_the_issuing_authority_get_a_daily_digest(harness: Harness) -> None:
    h = harness
    system, databases, worker, clock, inbox = h.system, h.databases, h.worker, h.clock, h.inbox
    today = today_vn()
    district, admin = await h.district(3)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today + timedelta(days=5), 17))
    late = await publish_campaign(system.submissions.url, admin, due_at=utcnow() - timedelta(hours=2),
                                  title="Danh sách giáo viên dự thi bài giảng điện tử")
    await submit_for(system.submissions.url, admin, campaign["id"], district.schools[2].unit.id)
    await wait_for_events(databases.notifications, 3)
    # the first digest time after the submission: its 24 hours include the submission's real time
    now_local = utcnow().astimezone(VIETNAM)
    digest_at = datetime.combine(now_local.date(), system.settings.digest_time, tzinfo=VIETNAM)
    if digest_at <= now_local:
        digest_at += timedelta(days=1)
    clock.set(digest_at + timedelta(minutes=1))

    await worker.run_once()
    await worker.run_once()  # once a day only
    digests = inbox.of_kind("reviewer_digest")

    assert len(digests) == 1
    digest = digests[0]
    assert digest.rcpt_tos == (district.phong_reviewer.email,)
    assert digest.subject == f"[EduDX] Tổng hợp ngày {digest_at:%d/%m/%Y}: 1 báo cáo mới, 3 đơn vị quá hạn"
    assert f"“{campaign['title']}” – mới nộp: {district.schools[2].unit.name}." in digest.text
    assert f"“{late['title']}” – quá hạn: " in digest.text
    assert all(s.unit.name in digest.text for s in district.schools)
