"""The notifications audit trail: a reminder policy set or reset leaves one record each (changed fields only);
a refused change leaves none; another district's admin does not see it; a school may not read the trail."""

from __future__ import annotations

from datetime import timedelta

from tests.notifications.builders import make_district, publish_campaign, today_vn, vn, wait_for_events
from tests.notifications.conftest import Harness

AUDIT = "/api/notifications/audit"


async def test_reminder_policy_changes_are_recorded(harness: Harness) -> None:
    h = harness
    api, system, databases = h.api, h.system, h.databases
    district, admin = await h.district(1)
    other = await make_district(databases.identity, schools=0)
    campaign = await publish_campaign(system.submissions.url, admin, due_at=vn(today_vn() + timedelta(days=10), 17))
    await wait_for_events(databases.notifications, 1)
    url = f"/api/notifications/campaigns/{campaign['id']}/reminder-policy"
    body = {"days_before": [5, 2], "on_due_day": False, "overdue_every_days": 0, "send_time": "13:30",
            "escalate": False}

    changed = await api.put(url, json=body, headers=admin)
    refused = await api.put(url, json={**body, "send_time": "22:15"}, headers=admin)
    reset = await api.delete(url, headers=admin)
    assert (changed.status_code, refused.status_code, reset.status_code) == (200, 422, 200)

    response = await api.get(AUDIT, headers=admin, params={"target_id": campaign["id"]})
    assert response.status_code == 200, response.text
    records = {r["request_id"]: r for r in response.json()["items"]}
    assert set(records) == {changed.headers["X-Request-ID"], reset.headers["X-Request-ID"]}
    set_record, reset_record = records[changed.headers["X-Request-ID"]], records[reset.headers["X-Request-ID"]]
    assert set_record["action"] == "reminder_policy.changed"
    assert set_record["changes"]["days_before"]["after"] == [5, 2]
    assert set_record["changes"]["send_minute"]["after"] == 13 * 60 + 30
    assert reset_record["action"] == "reminder_policy.reset"
    assert reset_record["changes"]["days_before"] == {"before": [5, 2], "after": None}
    assert set_record["unit_id"] == str(district.phong.id)

    stranger = await api.get(AUDIT, headers=await h.sign_in(other.phong_admin), params={"target_id": campaign["id"]})
    school = await api.get(AUDIT, headers=await h.sign_in(district.schools[0].principal))
    assert stranger.status_code == 200 and stranger.json()["items"] == []
    assert school.status_code == 403
