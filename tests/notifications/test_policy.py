"""A campaign's own reminder policy: who may see and change it, what is valid, and that reminders follow it —
also when it was set before the campaign was published."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.notifications.builders import make_district, publish_campaign, today_vn, vn, wait_for_events
from tests.notifications.conftest import Harness


async def test_policy_permissions_validation_and_preview(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    today = today_vn()
    district, admin = await h.district(1)
    other = await make_district(databases.identity, schools=0)
    due = vn(today + timedelta(days=10), 17)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=due)
    await wait_for_events(databases.notifications, 1)
    url = f"/api/notifications/campaigns/{campaign['id']}/reminder-policy"
    reviewer = await h.sign_in(district.phong_reviewer)
    so_admin = await h.sign_in(district.so_admin)
    principal = await h.sign_in(district.schools[0].principal)
    stranger = await h.sign_in(other.phong_admin)
    body = {"days_before": [5, 2, 2], "on_due_day": False, "overdue_every_days": 0, "send_time": "13:30",
            "escalate": False}

    default = await api.get(url, headers=admin)
    by_reviewer = await api.get(url, headers=reviewer)
    reviewer_sets = await api.put(url, json=body, headers=reviewer)
    school_reads = await api.get(url, headers=principal)
    stranger_reads = await api.get(url, headers=stranger)
    at_night = await api.put(url, json={**body, "send_time": "22:15"}, headers=admin)
    zero_days = await api.put(url, json={**body, "days_before": [0]}, headers=admin)
    from_above = await api.put(url, json=body, headers=so_admin)
    after = await api.get(url, headers=admin)
    reset = await api.delete(url, headers=admin)
    unknown = await api.get(f"/api/notifications/campaigns/{district.phong.id}/reminder-policy", headers=admin)

    assert default.status_code == 200 and default.json()["is_default"] is True
    assert default.json()["days_before"] == [7, 3, 1] and default.json()["send_time"] == "08:00:00"
    schedule = default.json()["schedule"]
    assert [s["label"] for s in schedule[:5]] == ["Trước hạn 7 ngày", "Trước hạn 3 ngày", "Trước hạn 1 ngày",
                                                   "Ngày hết hạn", "Quá hạn 1 ngày"]
    assert datetime.fromisoformat(schedule[0]["at"]) == vn(today + timedelta(days=3), 8)
    assert len(default.json()["escalations"]) == 7
    assert by_reviewer.status_code == 200
    assert reviewer_sets.status_code == 403 and reviewer_sets.json()["code"] == "not_allowed"
    assert school_reads.status_code == 404 and school_reads.json()["code"] == "campaign_not_found"
    assert stranger_reads.status_code == 404
    assert at_night.status_code == 422 and at_night.json()["code"] == "invalid_reminder_policy"
    assert zero_days.status_code == 422 and zero_days.json()["code"] == "validation_error"
    assert from_above.status_code == 200 and from_above.json()["days_before"] == [5, 2]
    assert after.json()["is_default"] is False and after.json()["escalations"] == []
    assert [datetime.fromisoformat(s["at"]) for s in after.json()["schedule"]] == [
        vn(today + timedelta(days=5), 13, 30), vn(today + timedelta(days=8), 13, 30)]
    assert reset.status_code == 200 and reset.json()["is_default"] is True
    assert unknown.status_code == 404


async def test_a_policy_set_before_publication_drives_the_reminders(harness: Harness) -> None:
    h = harness
    api, system, databases, worker, clock, inbox = h.api, h.system, h.databases, h.worker, h.clock, h.inbox
    today = today_vn()
    _, admin = await h.district(2)
    due_day = today + timedelta(days=6)
    draft = await publish_campaign(system.submissions.url, admin, due_at=vn(due_day, 17), publish=False)
    policy = await api.put(f"/api/notifications/campaigns/{draft['id']}/reminder-policy", headers=admin, json={
        "days_before": [2], "on_due_day": False, "overdue_every_days": 0, "send_time": "13:30", "escalate": False})
    async with httpx.AsyncClient(base_url=system.submissions.url, headers=admin) as sub:
        assert (await sub.post(f"/api/submissions/campaigns/{draft['id']}/publish")).status_code == 200
    await wait_for_events(databases.notifications, 1)
    await worker.run_once()
    inbox.take()

    sent: dict[str, int] = {}
    for offset in range(-5, 10):
        for hour, minute in ((8, 1), (13, 31)):
            clock.set(vn(due_day + timedelta(days=offset), hour, minute))
            await worker.run_once()
            mails = [m for m in inbox.take() if m.kind != "reviewer_digest"]
            if mails:
                sent[f"{offset}@{hour}"] = len(mails)
    reconciled = await api.post(f"/api/notifications/campaigns/{draft['id']}/reconcile", headers=admin)

    assert policy.status_code == 200 and datetime.fromisoformat(policy.json()["due_at"]) == vn(due_day, 17)
    assert sent == {"-2@13": 2}  # two days before, at 13:30, to both schools; nothing else, no escalation
    assert reconciled.status_code == 200
    assert reconciled.json() == {"campaign_id": draft["id"], "found": True, "targets": 2, "changed": 0,
                                 "withdrawn": 0}
