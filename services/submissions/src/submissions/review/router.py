from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from submissions.deps import ClockDep, EventsDep, EvidenceDep, ScoringDep
from submissions.review import service
from submissions.review.schemas import (
    ApprovalCheck,
    ApproveRequest,
    AssignmentCreate,
    AssignmentReport,
    AutoAssignment,
    BulkActionRead,
    BulkCreate,
    DecisionRead,
    DeclineRequest,
    NextInQueue,
    ReturnRequest,
    ReviewAssignmentRead,
)

router = APIRouter(tags=["review"], responses=PROBLEM_RESPONSES)


@router.post("/campaigns/{campaign_id}/assignments", response_model=AssignmentReport)
async def assign_reviewer(campaign_id: uuid.UUID, body: AssignmentCreate, session: SessionDep,
                          principal: CurrentPrincipal, clock: ClockDep) -> AssignmentReport:
    """Assign schools to a reviewer by hand (reviewers and admins of the issuer). A school the reviewer declined
    is skipped with the reason; every school is answered in `results`."""
    return await service.assign(session, principal, campaign_id=campaign_id, unit_ids=body.unit_ids,
                                reviewer=body.reviewer, now=clock())


@router.post("/campaigns/{campaign_id}/assignments/auto", response_model=AssignmentReport)
async def auto_assign_reviewers(campaign_id: uuid.UUID, body: AutoAssignment, session: SessionDep,
                                principal: CurrentPrincipal, clock: ClockDep) -> AssignmentReport:
    """Share the unassigned schools the board lists for `selection` (by default: waiting for review) among
    `reviewers`, balanced by load: each next school (by name) goes to the reviewer with the fewest reports
    waiting, never to one who declined it. `load` gives each reviewer's count afterwards."""
    return await service.auto_assign(session, principal, campaign_id=campaign_id, reviewers=body.reviewers,
                                     selection=body.selection, now=clock())


@router.get("/campaigns/{campaign_id}/review-queue/next", response_model=NextInQueue)
async def get_next_in_queue(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                            clock: ClockDep, after: uuid.UUID | None = None) -> NextInQueue:
    """The report to open next: the first of my queue by name, else the first unassigned one waiting. `after`
    (a unit id) leaves that school out."""
    campaign = await service.reviewed_campaign(session, principal, campaign_id)
    found = await service.next_in_queue(session, principal, campaign, now=clock(),
                                        skip_unit_ids=[after] if after else [])
    return NextInQueue(**found.__dict__)


@router.post("/submissions/{submission_id}/claim", response_model=ReviewAssignmentRead)
async def claim_submission(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                           clock: ClockDep) -> ReviewAssignmentRead:
    """Take the report into my queue (409 when it is someone else's; `reviewer_not_assignable` when I declined
    the school)."""
    return await service.assignment_read(session, await service.claim(session, principal, submission_id=submission_id,
                                                               now=clock()))


@router.post("/submissions/{submission_id}/release", response_model=ReviewAssignmentRead)
async def release_submission(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                             clock: ClockDep) -> ReviewAssignmentRead:
    """Put the report back into the shared queue (the assigned reviewer, or an admin of the issuer)."""
    return await service.assignment_read(session, await service.release(session, principal, submission_id=submission_id,
                                                                 now=clock()))


@router.post("/submissions/{submission_id}/decline", response_model=ReviewAssignmentRead)
async def decline_submission(submission_id: uuid.UUID, body: DeclineRequest, session: SessionDep,
                             principal: CurrentPrincipal, clock: ClockDep) -> ReviewAssignmentRead:
    """Refuse to review this school, with a reason (conflict of interest: e.g. my former school). The report
    leaves my queue and is never assigned to me again, by hand or automatically."""
    return await service.assignment_read(session, await service.decline(session, principal, submission_id=submission_id,
                                                                 reason=body.reason, now=clock()))


@router.get("/submissions/{submission_id}/approval-check", response_model=ApprovalCheck)
async def get_approval_check(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                             scoring: ScoringDep, evidence: EvidenceDep,
                             accept_self_scores: bool = False) -> ApprovalCheck:
    """What an approval needs now: every reason it would be refused (evidence not reviewed, criteria without a
    review score), and the school and final score its confirmation must name."""
    ctx = await service.reviewable(session, principal, submission_id)
    check, _ = await service.approval_check(ctx, scoring=scoring, evidence=evidence,
                                            accept_self_scores=accept_self_scores)
    return check


@router.post("/submissions/{submission_id}/approve", response_model=DecisionRead)
async def approve_submission(submission_id: uuid.UUID, body: ApproveRequest, session: SessionDep,
                             principal: CurrentPrincipal, events: EventsDep, clock: ClockDep, scoring: ScoringDep,
                             evidence: EvidenceDep) -> DecisionRead:
    """Approve (reviewers of the issuing authority), after the guards: every evidence item reviewed, with a
    rubric every criterion review-scored (or `accept_self_scores`), and a confirmation that repeats the school's
    name (`confirm_unit_name`) and its final score (`confirm_final_score`). Otherwise 409 `approval_refused`
    with every reason in `extra.reasons` and the names to confirm in `extra.unit_name`, `extra.final_score`.
    The answer names the next report of my queue (`next`)."""
    ctx = await service.approve(session, principal, events, clock, submission_id=submission_id, body=body,
                                scoring=scoring, evidence=evidence)
    return await service.decision_read(session, principal, ctx, now=clock())


@router.post("/submissions/{submission_id}/return", response_model=DecisionRead)
async def return_submission(submission_id: uuid.UUID, body: ReturnRequest, session: SessionDep,
                            principal: CurrentPrincipal, events: EventsDep, clock: ClockDep) -> DecisionRead:
    """Return for revision with reasons (general, per section, per criterion) and a resubmission deadline.
    Without a date, the deadline is the later of the campaign's deadline and now + the campaign's
    `revision_days`, at 17:00 Vietnam time of that working day (the next working day when past 17:00 or on a
    weekend). The answer names the next report of my queue (`next`)."""
    ctx = await service.return_submission(session, principal, events, clock, submission_id=submission_id, body=body)
    return await service.decision_read(session, principal, ctx, now=clock())


@router.post("/campaigns/{campaign_id}/bulk-actions", response_model=BulkActionRead,
             status_code=status.HTTP_202_ACCEPTED)
async def create_bulk_action(campaign_id: uuid.UUID, body: BulkCreate, session: SessionDep,
                             principal: CurrentPrincipal, clock: ClockDep) -> BulkActionRead:
    """Schedule an action on the selected schools: `remind` (through notifications, once per school),
    `extend` (their deadline, with `due_at` and `reason`), `return` (with shared `reasons`) or `approve` (those
    that pass the guards, accepting self-scores if `accept_self_scores`). It runs when its undo window ends
    (`run_after`, 10 s): until then `DELETE` cancels it and nothing happened. Read it again for each school's
    outcome in `results`."""
    return await service.schedule_bulk_action(session, principal, campaign_id=campaign_id, data=body, now=clock())


@router.get("/bulk-actions/{action_id}", response_model=BulkActionRead)
async def get_bulk_action(action_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> BulkActionRead:
    """A bulk action: scheduled, cancelled or done, with what happened at each school once done."""
    return await service.get_bulk_action(session, principal, action_id)


@router.delete("/bulk-actions/{action_id}", response_model=BulkActionRead)
async def cancel_bulk_action(action_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                             clock: ClockDep) -> BulkActionRead:
    """Undo: cancel a scheduled action before its window ends (409 `bulk_action_closed` once it ran)."""
    return await service.cancel_bulk_action(session, principal, action_id, now=clock())


@router.post("/bulk-actions/{action_id}/run", response_model=BulkActionRead)
async def run_bulk_action(action_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                          clock: ClockDep) -> BulkActionRead:
    """End the undo window now (the person who scheduled it): the action runs within a second."""
    return await service.run_bulk_action_now(session, principal, action_id, now=clock())
