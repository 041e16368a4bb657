"""Issue 20: the officials of a school's commune (UBND xã/phường) a Sở granted `reminders` receive the school's
deadline reminders and its escalation when overdue; without the grant, a commune official receives nothing. Through
the real identity (the grant made on its API), submissions, the notifications worker and an SMTP server."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from edudx_common.auth import Role
from edudx_common.tables.inbox import InboxEvent
from identity.units.models import UnitType
from tests.common.event_support import eventually
from tests.identity.builders import make_unit, make_user
from tests.notifications.builders import publish_campaign, today_vn, vn
from tests.notifications.conftest import Harness


async def test_a_commune_official_with_a_reminders_grant_gets_its_schools_reminders_and_escalation(
    harness: Harness,
) -> None:
    h = harness
    system, databases, worker, clock, inbox = h.system, h.databases, h.worker, h.clock, h.inbox
    district, _ = await h.district(2)
    ours, other = district.schools
    async with databases.identity() as session:
        commune = await make_unit(session, parent=district.so, type=UnitType.COMMUNE, name="UBND Phường Long Châu")
        ours.unit.commune_id = commune.id
        session.add(ours.unit)
        await session.commit()
        granted = await make_user(session, commune, Role.VIEWER, name="Lê Thị Xã",
                                  email="vhxh.longchau@vinhlong.gov.vn")
        not_granted = await make_user(session, commune, Role.VIEWER, email="vp.longchau@vinhlong.gov.vn")
    so_admin = await h.sign_in(district.so_admin)
    async with httpx.AsyncClient(base_url=system.identity.url) as identity:
        grant = await identity.post("/api/identity/commune-grants", headers=so_admin,
                                    json={"user_id": str(granted.id), "rights": ["reminders"]})
    assert grant.status_code == 201, grant.text

    due_day = today_vn() + timedelta(days=3)
    campaign = await publish_campaign(system.submissions.url, so_admin, due_at=vn(due_day, 17))

    async def published_arrived() -> bool:  # identity's user.changed (the grant) arrives in the same inbox
        async with databases.notifications() as session:
            return (await session.execute(select(InboxEvent).where(
                InboxEvent.event_type == "campaign.published"))).first() is not None

    await eventually(published_arrived, within=30)
    await worker.run_once()
    published = [m for m in inbox.take() if m.kind == "campaign_published"]
    assert all(granted.email not in m.rcpt_tos for m in published)  # the grant is for reminders only

    clock.set(vn(due_day - timedelta(days=1), 8, 1))
    await worker.run_once()
    reminders = {frozenset(m.rcpt_tos): m for m in inbox.take() if m.kind == "deadline_reminder"}
    assert set(reminders) == {frozenset({*ours.addresses, granted.email}), frozenset(other.addresses)}
    assert all(not_granted.email not in rcpt for rcpt in reminders)
    mail = reminders[frozenset({*ours.addresses, granted.email})]
    assert list(mail.rcpt_tos).count(granted.email) == 1 and campaign["title"] in mail.subject

    clock.set(vn(due_day + timedelta(days=1), 8, 1))
    await worker.run_once()
    escalations = {frozenset(m.rcpt_tos): m for m in inbox.take() if m.kind == "overdue_escalation"}
    assert set(escalations) == {frozenset({district.phong_admin.email, district.phong.email}),
                                frozenset({granted.email})}
    to_commune = escalations[frozenset({granted.email})]
    assert "1 đơn vị quá hạn" in to_commune.subject and "UBND Phường Long Châu" in to_commune.text
    assert ours.unit.name in to_commune.text and other.unit.name not in to_commune.text
