"""Facts about campaigns and targets, applied whatever order they arrive in, and the reminder times they imply.

Each fact comes with the producer's time: an event's `occurred_at`, or the submissions API's `as_of` /
`updated_at` when we reconcile. A fact older than the one a field already reflects is ignored, so a late or
redelivered event never undoes a newer one. After any change the affected targets are rescheduled: their next
reminder is the first slot of their own deadline after `now`.

A campaign's reminder policy (who may see and change it, what a valid one is) is set here too, through the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.auth import Principal, Role
from edudx_common.scope import UnitTree, is_in_scope
from edudx_common.tables import audit
from notifications.campaigns import repository, sync
from notifications.campaigns.models import CampaignState, ReminderPolicy, TargetState, TrackedCampaign, TrackedTarget
from notifications.campaigns.schedule import (
    DEFAULT_POLICY,
    Policy,
    SlotKind,
    escalation_times,
    next_after,
    reminder_slots,
)
from notifications.campaigns.schemas import ReminderPolicyBody, ReminderPolicyRead, ScheduledReminder
from notifications.clients.submissions import SubmissionsClient
from notifications.errors import CampaignNotFound, InvalidPolicy, NotAllowed
from notifications.timing import QuietHours, at_local, local_date

# The time of a fact we never had: older than every real one.
NO_FACT = datetime(1970, 1, 1, tzinfo=UTC)


def to_policy(row: ReminderPolicy | None) -> Policy:
    if row is None:
        return DEFAULT_POLICY
    return Policy(days_before=tuple(sorted(set(row.days_before), reverse=True)), on_due_day=row.on_due_day,
                  overdue_every_days=row.overdue_every_days, overdue_for_days=row.overdue_for_days,
                  send_time=time(row.send_minute // 60, row.send_minute % 60), escalate=row.escalate)


async def policy_for(session: AsyncSession, campaign_id: uuid.UUID) -> Policy:
    return to_policy(await repository.policy(session, campaign_id))


@dataclass(frozen=True)
class CampaignFacts:
    campaign_id: uuid.UUID
    title: str
    issuer_unit_id: uuid.UUID
    due_at: datetime
    fact_at: datetime
    kind: str | None = None
    status: CampaignState | None = None  # None: the fact says nothing about it


async def apply_campaign(session: AsyncSession, facts: CampaignFacts, *, now: datetime) -> TrackedCampaign:
    """Create or update the campaign from `facts`; reschedule its targets when the deadline or status changed."""
    campaign = await repository.get_campaign(session, facts.campaign_id, lock=True)
    if campaign is None:
        # Two events of a campaign we do not know yet, delivered at once (the demo's parallel extensions): both
        # find no row. The row is inserted only if still absent, so the second waits for the first's commit on
        # the unique key and then updates the row as any later event does, instead of failing on the key.
        created = await repository.insert_campaign_if_absent(session, {
            "id": facts.campaign_id, "title": facts.title, "issuer_unit_id": facts.issuer_unit_id,
            "kind": facts.kind, "due_at": facts.due_at, "due_fact_at": facts.fact_at,
            "status": (facts.status or CampaignState.OPEN).value, "status_fact_at": facts.fact_at,
            "revision": 0, "needs_sync": False, "created_at": now, "updated_at": now})
        campaign = await repository.get_campaign(session, facts.campaign_id, lock=True)
        if campaign is None:  # pragma: no cover - the row was just inserted or committed by the other writer
            raise RuntimeError(f"campaign {facts.campaign_id} vanished while being created")
        if created:
            await reschedule(session, campaign, now=now)
            return campaign
    changed = False
    if facts.fact_at > campaign.due_fact_at:
        campaign.title, campaign.issuer_unit_id = facts.title, facts.issuer_unit_id
        campaign.kind = facts.kind or campaign.kind
        if facts.due_at != campaign.due_at:
            campaign.due_at = facts.due_at
            campaign.revision += 1
            changed = True
        campaign.due_fact_at = facts.fact_at
    if facts.status is not None and facts.fact_at > campaign.status_fact_at:
        changed = changed or campaign.status != facts.status.value
        campaign.status = facts.status.value
        campaign.status_fact_at = facts.fact_at
    campaign.updated_at = now
    await session.flush()
    if changed:
        await reschedule(session, campaign, now=now)
    return campaign


async def reschedule(session: AsyncSession, campaign: TrackedCampaign, *, now: datetime,
                     unit_ids: Sequence[uuid.UUID] | None = None) -> None:
    """Each outstanding target's next reminder: the first slot of its deadline after `now` (earlier slots are not
    sent late), unless it is still waiting for a slot of that same deadline whose time has come (the planner
    will send that one). Everything else is never reminded; nothing is reminded while the campaign is not
    open."""
    if campaign.status != CampaignState.OPEN.value:
        await repository.clear_reminders(session, campaign.id)
        campaign.next_escalation_at = None
        await session.flush()
        return
    policy = await policy_for(session, campaign.id)
    for due in await repository.outstanding_deadlines(session, campaign.id, unit_ids):
        times = [slot.at for slot in reminder_slots(due, policy)]
        await repository.set_next_reminder(session, campaign.id, due, next_after(times, now), unit_ids,
                                           keep=[t for t in times if t <= now])
    await repository.set_next_reminder(session, campaign.id, None, None, unit_ids)
    escalations = escalation_times(campaign.due_at, policy)
    waiting = campaign.next_escalation_at
    if waiting is None or waiting > now or waiting not in escalations:
        campaign.next_escalation_at = next_after(escalations, now)
    await session.flush()


# --- targets -------------------------------------------------------------------------------------------


async def add_targets(session: AsyncSession, campaign: TrackedCampaign, unit_ids: Sequence[uuid.UUID], *,
                      fact_at: datetime, now: datetime) -> list[uuid.UUID]:
    """Targets of a published campaign; those we already know keep what we know. Returns the new ones."""
    rows = [{"campaign_id": campaign.id, "unit_id": unit_id, "unit_name": None, "state": TargetState.PENDING.value,
             "state_fact_at": fact_at, "withdrawn": False, "membership_fact_at": fact_at, "extension_due_at": None,
             "extension_fact_at": None, "resubmission_due_at": None, "due_at": campaign.due_at,
             "due_fact_at": fact_at,
             "revision": 0, "submission_id": None, "last_submitted_at": None, "next_reminder_at": None}
            for unit_id in dict.fromkeys(unit_ids)]
    new = await repository.add_targets(session, rows)
    await reschedule(session, campaign, now=now, unit_ids=new)
    return new


def new_target(campaign: TrackedCampaign, unit_id: uuid.UUID) -> TrackedTarget:
    """A target first heard of now: what we know of it is as old as can be, so the fact that named it applies."""
    return TrackedTarget(campaign_id=campaign.id, unit_id=unit_id, state=TargetState.PENDING.value,
                         state_fact_at=NO_FACT, membership_fact_at=NO_FACT, due_at=campaign.due_at)


def set_due(target: TrackedTarget, due_at: datetime | None, fact_at: datetime) -> None:
    """The unit's deadline as submissions computed it, unless a later fact already set it."""
    if due_at is None or (target.due_fact_at is not None and fact_at <= target.due_fact_at):
        return
    if due_at != target.due_at:
        target.due_at = due_at
        target.revision += 1
    target.due_fact_at = fact_at


async def apply_deadline(session: AsyncSession, campaign: TrackedCampaign, *, due_at: datetime, fact_at: datetime,
                         exceptions: dict[uuid.UUID, datetime], now: datetime) -> None:
    """The campaign's deadline changed: targets take it, except those with a deadline of their own (given)."""
    await repository.follow_campaign_deadline(session, campaign, due_at=due_at, fact_at=fact_at,
                                              except_units=list(exceptions))
    for unit_id, own in exceptions.items():
        target = await repository.target(session, campaign.id, unit_id)
        if target is not None:
            set_due(target, own, fact_at)
    await session.flush()
    await reschedule(session, campaign, now=now)


async def _target(session: AsyncSession, campaign: TrackedCampaign, unit_id: uuid.UUID) -> TrackedTarget:
    target = await repository.target(session, campaign.id, unit_id)
    if target is None:
        target = new_target(campaign, unit_id)
        session.add(target)
        await session.flush()
    return target


async def set_membership(session: AsyncSession, campaign: TrackedCampaign, unit_id: uuid.UUID, *, withdrawn: bool,
                         fact_at: datetime, now: datetime, unit_name: str | None = None,
                         unit_due_at: datetime | None = None) -> TrackedTarget:
    target = await _target(session, campaign, unit_id)
    set_due(target, unit_due_at, fact_at)
    if unit_name:
        target.unit_name = unit_name
    if fact_at > target.membership_fact_at:
        target.withdrawn = withdrawn
        target.membership_fact_at = fact_at
    await session.flush()
    await reschedule(session, campaign, now=now, unit_ids=[unit_id])
    return target


async def set_extension(session: AsyncSession, campaign: TrackedCampaign, unit_id: uuid.UUID, *,
                        extension_due_at: datetime | None, fact_at: datetime, now: datetime,
                        unit_due_at: datetime | None = None) -> bool:
    """Returns whether the fact was newer than what we knew (and so applied)."""
    target = await _target(session, campaign, unit_id)
    set_due(target, unit_due_at, fact_at)
    if target.extension_fact_at is not None and fact_at <= target.extension_fact_at:
        return False
    target.extension_due_at = extension_due_at
    target.extension_fact_at = fact_at
    await session.flush()
    await reschedule(session, campaign, now=now, unit_ids=[unit_id])
    return True


@dataclass(frozen=True)
class SubmissionFacts:
    state: TargetState
    fact_at: datetime
    submission_id: uuid.UUID | None = None
    unit_name: str | None = None
    resubmission_due_at: datetime | None = None
    submitted_at: datetime | None = None
    unit_due_at: datetime | None = None  # the deadline that applies to the unit after this step


async def set_state(session: AsyncSession, campaign: TrackedCampaign, unit_id: uuid.UUID, facts: SubmissionFacts, *,
                    now: datetime) -> bool:
    """Returns whether the fact was newer than what we knew (and so applied)."""
    target = await _target(session, campaign, unit_id)
    set_due(target, facts.unit_due_at, facts.fact_at)
    target.unit_name = facts.unit_name or target.unit_name
    target.submission_id = facts.submission_id or target.submission_id
    if facts.submitted_at is not None and (target.last_submitted_at is None
                                           or facts.submitted_at > target.last_submitted_at):
        target.last_submitted_at = facts.submitted_at
    applied = facts.fact_at > target.state_fact_at
    if applied:
        target.state = facts.state.value
        target.state_fact_at = facts.fact_at
        if facts.state == TargetState.RETURNED:
            target.resubmission_due_at = facts.resubmission_due_at
    await session.flush()
    await reschedule(session, campaign, now=now, unit_ids=[unit_id])
    return applied


# --- reminder policy (the API) --------------------------------------------------------------------------

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
        await reschedule(session, local, now=now)


async def sync_now(session: AsyncSession, sessions: async_sessionmaker[AsyncSession], principal: Principal,
                   tree: UnitTree, submissions: SubmissionsClient, campaign_id: uuid.UUID, *,
                   now: datetime) -> sync.SyncReport:
    """Compare with the submissions service now (an admin who suspects a lost event need not wait)."""
    await _authorised(session, principal, tree, submissions, campaign_id, manage=True)
    return await sync.reconcile(sessions, submissions, campaign_id, now=now)


def policy_read(campaign: CampaignRef, row: ReminderPolicy | None) -> ReminderPolicyRead:
    """The campaign's policy (the default without `row`) with the reminder times it gives for its deadline."""
    policy = to_policy(row)
    schedule, escalations = schedule_preview(campaign.due_at, policy)
    return ReminderPolicyRead(
        campaign_id=campaign.id, is_default=row is None, due_at=campaign.due_at, schedule=schedule,
        escalations=escalations, days_before=list(policy.days_before), on_due_day=policy.on_due_day,
        overdue_every_days=policy.overdue_every_days, overdue_for_days=policy.overdue_for_days,
        send_time=policy.send_time, escalate=policy.escalate)
