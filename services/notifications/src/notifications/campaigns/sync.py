"""Reconciling with the submissions service: what its API says now is a fact as of its `as_of`.

Events can be late, lost (a receiver failed for good) or refer to a campaign we never heard of. The reconciler
reads the campaign and its status view and applies them as facts with the producer's times, so a newer event
still wins over an older snapshot and an older event never undoes the snapshot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications.campaigns import repository, service
from notifications.campaigns.models import CampaignState, TargetState, TrackedTarget
from notifications.clients.submissions import RemoteCampaign, RemoteTarget, SubmissionsClient

_STATUS = {"published": CampaignState.OPEN, "closed": CampaignState.CLOSED, "archived": CampaignState.ARCHIVED}
_STATE = {None: TargetState.PENDING, "draft": TargetState.PENDING, "returned": TargetState.RETURNED,
          "approved": TargetState.APPROVED}


def target_state(workflow_status: str | None) -> TargetState:
    return _STATE.get(workflow_status, TargetState.SUBMITTED)


def campaign_facts(remote: RemoteCampaign) -> service.CampaignFacts:
    return service.CampaignFacts(campaign_id=remote.id, title=remote.title, issuer_unit_id=remote.issuer_unit_id,
                                 due_at=remote.due_at, fact_at=remote.updated_at, kind=remote.kind,
                                 status=_STATUS.get(remote.status))


@dataclass(frozen=True)
class SyncReport:
    campaign_id: uuid.UUID
    found: bool
    targets: int = 0
    changed: int = 0
    withdrawn: int = 0


async def ensure_campaign(session: AsyncSession, submissions: SubmissionsClient, campaign_id: uuid.UUID, *,
                          now: datetime) -> bool:
    """Make sure we know the campaign (an event named one we never heard of): read it from submissions and
    mark it for a full reconciliation soon. False when submissions does not know it either."""
    if await repository.get_campaign(session, campaign_id) is not None:
        return True
    remote = await submissions.campaign(campaign_id)
    if remote is None or remote.status == "draft":
        return False
    campaign = await service.apply_campaign(session, campaign_facts(remote), now=now)
    campaign.needs_sync = True
    await session.flush()
    return True


async def reconcile(sessions: async_sessionmaker[AsyncSession], submissions: SubmissionsClient,
                    campaign_id: uuid.UUID, *, now: datetime) -> SyncReport:
    remote = await submissions.campaign(campaign_id)
    pages = [page async for page in submissions.targets(campaign_id)] if remote and remote.status != "draft" else []
    async with sessions() as session, session.begin():
        local = await repository.get_campaign(session, campaign_id, lock=True)
        if remote is None or remote.status == "draft":
            if local is not None:  # gone from submissions: stop reminding
                local.status, local.needs_sync, local.synced_at = CampaignState.ARCHIVED.value, False, now
                await service.reschedule(session, local, now=now)
            return SyncReport(campaign_id, found=False)
        campaign = await service.apply_campaign(session, campaign_facts(remote), now=now)
        known = await repository.targets_of(session, campaign_id)
        seen: set[uuid.UUID] = set()
        changed = 0
        for page in pages:
            for line in page.items:
                seen.add(line.unit_id)
                target = known.get(line.unit_id)
                if target is None:
                    target = known[line.unit_id] = service.new_target(campaign, line.unit_id)
                    session.add(target)
                changed += _apply_line(target, line, page.as_of)
        withdrawn = 0
        complete = bool(pages) and len(seen) == pages[0].total
        first_as_of = pages[0].as_of if pages else now
        if complete:  # a listing that moved under us while paging proves nothing about who is missing
            for unit_id, target in known.items():
                if unit_id not in seen and not target.withdrawn and target.membership_fact_at < first_as_of:
                    target.withdrawn, target.membership_fact_at = True, first_as_of
                    withdrawn += 1
        await session.flush()
        await service.reschedule(session, campaign, now=now)
        campaign.needs_sync, campaign.synced_at = False, now
        return SyncReport(campaign_id, found=True, targets=len(seen), changed=changed, withdrawn=withdrawn)


def _apply_line(target: TrackedTarget, line: RemoteTarget, as_of: datetime) -> int:
    """Apply one status-view line as facts as of `as_of`; 1 when something changed."""
    before = (target.state, target.withdrawn, target.extension_due_at, target.resubmission_due_at)
    target.unit_name = line.unit_name
    target.submission_id = line.submission_id or target.submission_id
    submitted = line.last_submitted_at
    if submitted and (target.last_submitted_at is None or submitted > target.last_submitted_at):
        target.last_submitted_at = submitted
    if as_of > target.state_fact_at:
        target.state, target.state_fact_at = target_state(line.workflow_status).value, as_of
        target.resubmission_due_at = line.resubmission_due_at
    if as_of > target.membership_fact_at:
        target.withdrawn, target.membership_fact_at = False, as_of
    if target.extension_fact_at is None or as_of > target.extension_fact_at:
        target.extension_due_at, target.extension_fact_at = line.extension_due_at, as_of
    service.set_due(target, line.due_at, as_of)
    return int(before != (target.state, target.withdrawn, target.extension_due_at, target.resubmission_due_at))
