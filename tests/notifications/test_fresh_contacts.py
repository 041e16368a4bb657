"""Who receives a notification is decided on the unit's contacts as identity holds them when the notification is
expanded, never on an older copy; deliveries that found nobody recover when contacts appear.

Every piece is real and over HTTP: identity's outbox tells notifications of account changes (`user.changed`),
submissions' outbox of the report's steps, e-mails go to a real SMTP server (aiosmtpd). The accounts here are
created through identity's API, as an admin would, and the report is returned the moment the account exists.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from edudx_common.tables.inbox import InboxEvent
from identity.units.models import Unit
from identity.users.models import User
from notifications.campaigns.models import TrackedTarget
from notifications.delivery.models import NO_RECIPIENTS, OutgoingEmail
from notifications.feed.models import FeedItem
from tests.notifications.builders import publish_campaign, submit_for, today_vn, vn
from tests.notifications.conftest import Harness
from tests.submissions.builders import open_submission, submit
from tests.user_facing_times import iso_timestamps

ROUNDS = 20


async def _received(h: Harness, event_type: str) -> int:
    async with h.databases.notifications() as session:
        return int((await session.execute(select(func.count()).select_from(InboxEvent)
                                          .where(InboxEvent.event_type == event_type))).scalar_one())


async def _until_received(h: Harness, event_type: str, count: int) -> None:
    for _ in range(300):
        if await _received(h, event_type) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{event_type}: fewer than {count} received")


async def _new_account(h: Harness, admin: dict[str, str], unit_id: uuid.UUID, email: str, role: str) -> str:
    async with httpx.AsyncClient(base_url=h.system.identity.url, timeout=30) as http:
        created = await http.post("/api/identity/users", headers=admin, json={
            "email": email, "full_name": "Nguyễn Thị Mới", "unit_id": str(unit_id), "roles": [role],
            "send_invite": False})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _feed_of(h: Harness, user_id: str) -> list[str]:
    async with h.databases.notifications() as session:
        return list((await session.execute(select(FeedItem.kind).where(FeedItem.user_id == uuid.UUID(user_id))))
                    .scalars())


async def test_an_account_added_the_moment_before_a_return_gets_the_notice_and_the_mail(harness: Harness) -> None:
    h = harness
    district, admin = await h.district(1)
    school = district.schools[0]
    reviewer = await h.sign_in(district.phong_reviewer)
    campaign = await publish_campaign(h.system.submissions.url, admin, due_at=vn(today_vn() + timedelta(days=10), 17))
    submission = await submit_for(h.system.submissions.url, admin, campaign["id"], school.unit.id)
    await _until_received(h, "submission.submitted", 1)
    await h.worker.run_once()  # the publication is told: the school's contacts are now in notifications' copy
    h.inbox.take()

    misses: list[Any] = []
    async with httpx.AsyncClient(base_url=h.system.submissions.url, timeout=30) as submissions:
        for round_ in range(ROUNDS):
            email = f"cntt.moi{round_:02d}.{uuid.uuid4().hex[:6]}@longho.edu.vn"
            user_id = await _new_account(h, admin, school.unit.id, email, "school_it_officer")
            returned = await submissions.post(f"/api/submissions/submissions/{submission['id']}/return",
                                              headers=reviewer, json={"reasons": {"general": "Bổ sung minh chứng"}})
            assert returned.status_code == 200, returned.text
            await _until_received(h, "submission.returned", round_ + 1)
            h.clock.advance(minutes=1)
            await h.worker.run_once()
            mails = [m for m in h.inbox.take() if m.kind == "submission_returned"]
            feed = await _feed_of(h, user_id)
            if not (mails and email in mails[0].rcpt_tos and "submission_returned" in feed):
                misses.append((round_, [m.rcpt_tos for m in mails], feed))
            again = await open_submission(submissions, admin, campaign["id"], unit_id=str(school.unit.id))
            assert (await submit(submissions, admin, again)).status_code == 200

    assert misses == [], f"{len(misses)} of {ROUNDS} returns missed the new account: {misses}"


async def _failed_for_nobody(h: Harness) -> int:
    async with h.databases.notifications() as session:
        return int((await session.execute(select(func.count()).select_from(OutgoingEmail).where(
            OutgoingEmail.status == "failed", OutgoingEmail.last_error == NO_RECIPIENTS))).scalar_one())


async def _settled_failed_for_nobody(h: Harness, expected: int, *, seconds: float = 15.0) -> int:
    """The failed-for-nobody count once it is `expected`, or what it still is after `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if (count := await _failed_for_nobody(h)) == expected:
            return count
        await asyncio.sleep(0.05)
    return await _failed_for_nobody(h)


async def _school_without_contacts(h: Harness, unit_id: uuid.UUID) -> None:
    """Nobody to write to: no active account, no contact address (written straight to identity's tables, so
    notifications hears nothing of it)."""
    async with h.databases.identity() as session:
        await session.execute(update(User).where(User.unit_id == unit_id).values(active=False))
        await session.execute(update(Unit).where(Unit.id == unit_id).values(email=None))
        await session.commit()


async def test_a_principal_added_after_publication_gets_the_lost_notice_and_the_next_reminder(
    harness: Harness,
) -> None:
    h = harness
    district, admin = await h.district(2)
    lonely, other = district.schools
    await _school_without_contacts(h, lonely.unit.id)
    due_day = today_vn() + timedelta(days=10)
    campaign = await publish_campaign(h.system.submissions.url, admin, due_at=vn(due_day, 17))
    await _until_received(h, "campaign.published", 1)
    await h.worker.run_once()
    told = [set(m.rcpt_tos) for m in h.inbox.take() if m.kind == "campaign_published"]
    assert told == [other.addresses]
    assert await _failed_for_nobody(h) == 1

    email = "hieutruong.moi@longho.edu.vn"
    user_id = await _new_account(h, admin, lonely.unit.id, email, "principal")
    # identity's outbox → notifications: the failed one is redone when the account's change arrives (waiting for
    # "a user.changed" is not enough: the district's own accounts announced themselves too, maybe only now)
    recovered = await _settled_failed_for_nobody(h, 0)
    h.clock.advance(minutes=1)
    await h.worker.run_once()
    notice = [m for m in h.inbox.take() if m.kind == "campaign_published"]
    h.clock.set(vn(due_day - timedelta(days=7), 8, 1))
    await h.worker.run_once()
    reminders = [m for m in h.inbox.take() if m.kind == "deadline_reminder"]

    assert recovered == 0
    assert all(iso_timestamps(m.text) == iso_timestamps(m.html_text) == [] for m in [*notice, *reminders])
    assert [list(m.rcpt_tos) for m in notice] == [[email]] and campaign["title"] in notice[0].subject
    assert "campaign_published" in await _feed_of(h, user_id)
    assert any(email in m.rcpt_tos for m in reminders), [m.rcpt_tos for m in reminders]


async def test_an_operator_resends_a_campaigns_failed_deliveries(harness: Harness) -> None:
    h = harness
    district, admin = await h.district(1)
    school = district.schools[0]
    await _school_without_contacts(h, school.unit.id)
    campaign = await publish_campaign(h.system.submissions.url, admin, due_at=vn(today_vn() + timedelta(days=10), 17))
    await _until_received(h, "campaign.published", 1)
    await h.worker.run_once()
    assert await _failed_for_nobody(h) == 1
    async with h.databases.identity() as session:  # fixed behind notifications' back: no event tells it
        await session.execute(update(Unit).where(Unit.id == school.unit.id).values(email="vanthu@longho.edu.vn"))
        await session.commit()

    principal = await h.sign_in(district.phong_reviewer)
    refused = await h.api.post("/api/notifications/deliveries/resend-failed", headers=principal,
                               json={"campaign_id": campaign["id"]})
    resent = await h.api.post("/api/notifications/deliveries/resend-failed", headers=admin,
                              json={"campaign_id": campaign["id"]})
    h.clock.advance(minutes=1)
    await h.worker.run_once()
    mails = [m for m in h.inbox.take() if m.kind == "campaign_published"]

    assert refused.status_code == 403
    assert resent.status_code == 200 and resent.json() == {"sent_again": 0, "composed_again": 1}
    assert [list(m.rcpt_tos) for m in mails] == [["vanthu@longho.edu.vn"]]
    assert await _failed_for_nobody(h) == 0


async def test_reminders_and_escalations_ask_submissions_who_has_submitted(harness: Harness) -> None:
    """The copy says a school has not submitted (its event was lost); submissions says it has: it is not reminded,
    nor listed as overdue."""
    h = harness
    district, admin = await h.district(2)
    done, waiting = district.schools
    due_day = today_vn() + timedelta(days=10)
    campaign = await publish_campaign(h.system.submissions.url, admin, due_at=vn(due_day, 17))
    await submit_for(h.system.submissions.url, admin, campaign["id"], done.unit.id)
    await _until_received(h, "submission.submitted", 1)
    await h.worker.run_once()
    h.inbox.take()
    async with h.databases.notifications() as session:  # the submission's event never happened, as far as we know
        await session.execute(update(TrackedTarget).where(TrackedTarget.unit_id == done.unit.id)
                              .values(state="pending", state_fact_at=datetime(2000, 1, 1, tzinfo=UTC)))
        await session.commit()

    no_periodic_reconciliation = ("plan", "expand", "send")  # it runs hourly: the decision cannot wait for it
    h.clock.set(vn(due_day - timedelta(days=7), 8, 1))
    await h.worker.run_once(steps=no_periodic_reconciliation)
    reminded = [set(m.rcpt_tos) for m in h.inbox.take() if m.kind == "deadline_reminder"]
    h.clock.set(vn(due_day + timedelta(days=1), 8, 1))
    await h.worker.run_once(steps=no_periodic_reconciliation)
    escalations = [m for m in h.inbox.take() if m.kind == "overdue_escalation"]

    assert reminded == [waiting.addresses]
    assert len(escalations) == 1 and waiting.unit.name in escalations[0].text
    assert done.unit.name not in escalations[0].text
