from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from edudx_common.auth import CurrentUser
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from notifications.campaigns import service
from notifications.campaigns.schemas import ReminderPolicyBody, ReminderPolicyRead, SyncRead
from notifications.deps import NowDep, SettingsDep, SubmissionsDep, UnitTreeDep
from notifications.timing import QuietHours

router = APIRouter(prefix="/campaigns", tags=["reminder policy"], responses=PROBLEM_RESPONSES)


@router.get("/{campaign_id}/reminder-policy", response_model=ReminderPolicyRead)
async def get_reminder_policy(campaign_id: uuid.UUID, session: SessionDep, user: CurrentUser, tree: UnitTreeDep,
                              submissions: SubmissionsDep) -> ReminderPolicyRead:
    """The campaign's reminder schedule (the default unless the issuer set one), with the reminder times it gives
    for the campaign's deadline. Authority users of the issuing unit or above it; 404 for others."""
    campaign, row = await service.get_policy(session, user, tree, submissions, campaign_id)
    return service.policy_read(campaign, row)


@router.put("/{campaign_id}/reminder-policy", response_model=ReminderPolicyRead)
async def set_reminder_policy(campaign_id: uuid.UUID, body: ReminderPolicyBody, session: SessionDep,
                              user: CurrentUser, tree: UnitTreeDep, submissions: SubmissionsDep, settings: SettingsDep,
                              now: NowDep) -> ReminderPolicyRead:
    """Set the campaign's own schedule (authority admins of the issuing unit or above). It may be set before the
    campaign is published. Targets are rescheduled at once; reminders already sent stay sent."""
    quiet = QuietHours(settings.quiet_hours_start, settings.quiet_hours_end)
    campaign, row = await service.set_policy(session, user, tree, submissions, campaign_id, body, quiet=quiet,
                                              now=now)
    return service.policy_read(campaign, row)


@router.delete("/{campaign_id}/reminder-policy", response_model=ReminderPolicyRead)
async def reset_reminder_policy(campaign_id: uuid.UUID, session: SessionDep, user: CurrentUser, tree: UnitTreeDep,
                                submissions: SubmissionsDep, now: NowDep) -> ReminderPolicyRead:
    """Back to the default schedule."""
    campaign = await service.reset_policy(session, user, tree, submissions, campaign_id, now=now)
    return service.policy_read(campaign, None)


@router.post("/{campaign_id}/reconcile", response_model=SyncRead, status_code=status.HTTP_200_OK)
async def reconcile_campaign(campaign_id: uuid.UUID, request: Request, session: SessionDep, user: CurrentUser,
                             tree: UnitTreeDep, submissions: SubmissionsDep, now: NowDep) -> SyncRead:
    """Compare what this service knows about the campaign's targets with the submissions service now, instead of
    at the next periodic reconciliation (events may be late or lost)."""
    report = await service.sync_now(session, request.app.state.session_factory, user, tree, submissions,
                                     campaign_id, now=now)
    return SyncRead(campaign_id=report.campaign_id, found=report.found, targets=report.targets,
                    changed=report.changed, withdrawn=report.withdrawn)
