"""Who may see and change a campaign's reminder policy, and what a valid policy is."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common import audit
from edudx_common.auth import Principal, Role
from edudx_common.scope import UnitTree, is_in_scope
from notifications.campaigns import repository, service
from notifications.campaigns.models import ReminderPolicy
from notifications.campaigns.schedule import Policy, SlotKind, escalation_times, reminder_slots
from notifications.campaigns.schemas import ReminderPolicyBody, ScheduledReminder
from notifications.campaigns.sync import SyncReport, reconcile
from notifications.clients.submissions import SubmissionsClient
from notifications.errors import CampaignNotFound, InvalidPolicy, NotAllowed
from notifications.timing import QuietHours, at_local, local_date

READERS = (Role.AUTHORITY_ADMIN, Role.REVIEWER, Role.VIEWER)


@dataclass(frozen=True)
class CampaignRef:
    id: uuid.UUID
    issuer_unit_id: uuid.UUID
    due_at: datetime | None


async def _campaign(session: AsyncSession, submissions: SubmissionsClient, campaign_id: uuid.UUID) -> CampaignRef:
    """From what we know, or (a draft, or one whose events have not arrived) from the submissions service."""
    local = await repository.get_campaign(session, campaign_id)
    if local is not None:
        return CampaignRef(local.id, local.issuer_unit_id, local.due_at)
    remote = await submissions.campaign(campaign_id)
    if remote is None:
        raise CampaignNotFound()
    return CampaignRef(remote.id, remote.issuer_unit_id, remote.due_at)


async def _authorised(session: AsyncSession, principal: Principal, tree: UnitTree, submissions: SubmissionsClient,
                      campaign_id: uuid.UUID, *, manage: bool) -> CampaignRef:
    """Authority users of the issuing unit or above it; only its admins change anything. Others: 404."""
    roles = (Role.AUTHORITY_ADMIN,) if manage else READERS
    if not (principal.is_system_admin or principal.has_any(*READERS)):
        raise CampaignNotFound()
    campaign = await _campaign(session, submissions, campaign_id)
    if not await is_in_scope(principal, campaign.issuer_unit_id, tree):
        raise CampaignNotFound()
    if not (principal.is_system_admin or principal.has_any(*roles)):
        raise NotAllowed("Chỉ quản trị viên của đơn vị ban hành mới thay đổi được lịch nhắc hạn.")
    return campaign


def schedule_preview(due: datetime | None, policy: Policy) -> tuple[list[ScheduledReminder], list[datetime]]:
    if due is None:
        return [], []
    labels = {SlotKind.BEFORE: "Trước hạn {} ngày", SlotKind.DUE_DAY: "Ngày hết hạn",
              SlotKind.OVERDUE: "Quá hạn {} ngày"}
    reminders = [ScheduledReminder(at=s.at, kind=s.kind, label=labels[s.kind].format(s.days))
                 for s in reminder_slots(due, policy)]
    return reminders, escalation_times(due, policy)


async def get_policy(session: AsyncSession, principal: Principal, tree: UnitTree, submissions: SubmissionsClient,
                     campaign_id: uuid.UUID) -> tuple[CampaignRef, ReminderPolicy | None]:
    campaign = await _authorised(session, principal, tree, submissions, campaign_id, manage=False)
    return campaign, await repository.policy(session, campaign_id)


async def set_policy(session: AsyncSession, principal: Principal, tree: UnitTree, submissions: SubmissionsClient,
                     campaign_id: uuid.UUID, body: ReminderPolicyBody, *, quiet: QuietHours,
                     now: datetime) -> tuple[CampaignRef, ReminderPolicy]:
    campaign = await _authorised(session, principal, tree, submissions, campaign_id, manage=True)
    if quiet.contains(at_local(local_date(now), body.send_time)):
        raise InvalidPolicy(f"Giờ gửi nhắc {body.send_time:%H:%M} nằm trong khung giờ không gửi thư "
                            f"({quiet.start:%H:%M}–{quiet.end:%H:%M}).")
    policy = await repository.policy(session, campaign_id) or ReminderPolicy(campaign_id=campaign_id)
    before = audit.snapshot(policy, POLICY_FIELDS)
    policy.days_before = list(body.days_before)
    policy.on_due_day, policy.escalate = body.on_due_day, body.escalate
    policy.overdue_every_days, policy.overdue_for_days = body.overdue_every_days, body.overdue_for_days
    policy.send_minute = body.send_time.hour * 60 + body.send_time.minute
    policy.updated_by, policy.updated_at = principal.subject, now
    session.add(policy)
    await session.flush()
    await _audit(session, principal, tree, campaign, "reminder_policy.changed", before,
                 audit.snapshot(policy, POLICY_FIELDS))
    await _reschedule(session, campaign_id, now)
    return campaign, policy


# What the audit trail compares when a schedule changes.
POLICY_FIELDS = ("days_before", "on_due_day", "escalate", "overdue_every_days", "overdue_for_days", "send_minute")


async def _audit(session: AsyncSession, principal: Principal, tree: UnitTree, campaign: CampaignRef, action: str,
                 before: dict[str, object] | None, after: dict[str, object] | None) -> None:
    audit.record(session, action=action, actor=principal, target_type="campaign", target_id=campaign.id,
                 unit_id=campaign.issuer_unit_id, unit_path=await audit.unit_path_via(tree, campaign.issuer_unit_id),
                 before=before, after=after)


async def reset_policy(session: AsyncSession, principal: Principal, tree: UnitTree, submissions: SubmissionsClient,
                       campaign_id: uuid.UUID, *, now: datetime) -> CampaignRef:
    campaign = await _authorised(session, principal, tree, submissions, campaign_id, manage=True)
    policy = await repository.policy(session, campaign_id)
    if policy is not None:
        await _audit(session, principal, tree, campaign, "reminder_policy.reset", audit.snapshot(policy, POLICY_FIELDS),
                     None)
        await session.delete(policy)
        await session.flush()
    await _reschedule(session, campaign_id, now)
    return campaign


async def _reschedule(session: AsyncSession, campaign_id: uuid.UUID, now: datetime) -> None:
    local = await repository.get_campaign(session, campaign_id, lock=True)
    if local is not None:
        await service.reschedule(session, local, now=now)


async def sync_now(session: AsyncSession, sessions: async_sessionmaker[AsyncSession], principal: Principal,
                   tree: UnitTree, submissions: SubmissionsClient, campaign_id: uuid.UUID, *,
                   now: datetime) -> SyncReport:
    """Compare with the submissions service now (an admin who suspects a lost event need not wait)."""
    await _authorised(session, principal, tree, submissions, campaign_id, manage=True)
    return await reconcile(sessions, submissions, campaign_id, now=now)
