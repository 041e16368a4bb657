"""Deciding, at `now`, which reminders, escalations and digests are due, and writing them as notifications.

Set-based, for scale: targets whose `next_reminder_at` has come are grouped by campaign and deadline (few
groups, however many targets); each group's slot is computed once, its notifications written with one
multi-row insert, its targets moved to their next slot with one UPDATE — in one transaction, so a crash leaves
either both or neither. The notifications' dedupe keys make a second planner (another replica, a retry)
harmless: the same reminder is never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications.campaigns import repository as campaigns_repository
from notifications.campaigns.schedule import escalation_times, last_passed, next_after, reminder_slots
from notifications.campaigns.service import policy_for, to_policy
from notifications.delivery import repository as delivery_repository
from notifications.delivery.payloads import DigestData, EscalationData, ReminderData, dump
from notifications.kinds import NotificationKind
from notifications.reminders import repository
from notifications.timing import at_local, local_date


@dataclass
class PlanReport:
    reminders: int = 0
    escalations: int = 0
    digests: int = 0
    skipped_late: int = 0  # reminders whose time passed too long ago (workers were down)


class Planner:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, catch_up_hours: float, digest_time: time) -> None:
        self._sessions = sessions
        self._catch_up = timedelta(hours=catch_up_hours)
        self._digest_time = digest_time

    async def plan(self, now: datetime) -> PlanReport:
        report = PlanReport()
        await self.plan_reminders(now, report)
        await self.plan_escalations(now, report)
        await self.plan_digest(now, report)
        return report

    async def plan_reminders(self, now: datetime, report: PlanReport) -> None:
        async with self._sessions() as session:
            groups = await repository.due_reminder_groups(session, now)
            policies = await campaigns_repository.policies(session, list({c for c, _due, _n in groups}))
        for campaign_id, due_at, count in groups:
            slots = reminder_slots(due_at, to_policy(policies.get(campaign_id)))
            slot = last_passed(slots, now)
            next_at = next_after([s.at for s in slots], now)
            async with self._sessions() as session, session.begin():
                # Writers of a campaign's targets take its row first (events do too): no deadlock between them.
                await campaigns_repository.get_campaign(session, campaign_id, lock=True)
                if slot is not None and now - slot.at <= self._catch_up:
                    report.reminders += await repository.plan_reminders(
                        session, campaign_id, due_at, now, slot_key=slot.key(due_at),
                        data=dump(NotificationKind.DEADLINE_REMINDER, ReminderData(
                            slot=slot.kind.value, days=slot.days, due_at=due_at, slot_at=slot.at)))
                else:
                    report.skipped_late += count
                await repository.advance_reminders(session, campaign_id, due_at, now, next_at)

    async def plan_escalations(self, now: datetime, report: PlanReport) -> None:
        async with self._sessions() as session:
            due = await repository.campaigns_due_for_escalation(session, now)
        for campaign in due:
            async with self._sessions() as session, session.begin():
                await campaigns_repository.get_campaign(session, campaign.id, lock=True)
                times = escalation_times(campaign.due_at, await policy_for(session, campaign.id))
                passed = [t for t in times if t <= now]
                if passed and now - passed[-1] <= self._catch_up:
                    row = delivery_repository.notification_row(
                        kind=NotificationKind.OVERDUE_ESCALATION.value, now=now, campaign_id=campaign.id,
                        dedupe_key=f"escalation:{campaign.id}:{passed[-1]:%Y%m%dT%H%M}",
                        data=EscalationData(slot_at=passed[-1]))
                    report.escalations += await delivery_repository.add_notifications(session, [row])
                local = await campaigns_repository.get_campaign(session, campaign.id)
                if local is not None:
                    local.next_escalation_at = next_after(times, now)

    async def plan_digest(self, now: datetime, report: PlanReport) -> None:
        """Once a day at the digest time: one notification, fanned out per issuing authority when expanded."""
        at = at_local(local_date(now), self._digest_time)
        if not (at <= now <= at + self._catch_up):
            return
        row = delivery_repository.notification_row(
            kind=NotificationKind.REVIEWER_DIGEST.value, now=now, dedupe_key=f"digest:{local_date(now).isoformat()}",
            data=DigestData(since=at - timedelta(days=1), until=at))
        async with self._sessions() as session, session.begin():
            report.digests += await delivery_repository.add_notifications(session, [row])
