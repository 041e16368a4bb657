from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from edudx_common.auth import CurrentPrincipal, Principal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from submissions.deps import ClockDep, EventsDep, EvidenceDep, ScoringDep
from submissions.errors import ApprovalRefused
from submissions.review import bulk, repository, service
from submissions.review.schemas import (
    ApprovalCheck,
    ApproveRequest,
    AssignmentCreate,
    AssignmentReport,
    AutoAssignment,
    BulkActionRead,
    BulkCreate,
    DeclineRequest,
    NextInQueue,
    ReviewAssignmentRead,
)
from submissions.signatures import service as signatures_service
from submissions.status.router import parse_equalities, parse_ranges
from submissions.workflow import service as workflow
from submissions.workflow.router import submission_read
from submissions.workflow.schemas import ReturnRequest, SubmissionRead

router = APIRouter(tags=["review"], responses=PROBLEM_RESPONSES)


class DecisionRead(SubmissionRead):
    next: NextInQueue


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
                                     selection=body.selection, equals=parse_equalities(body.selection.match),
                                     ranges=parse_ranges(body.selection.range), now=clock())


@router.get("/campaigns/{campaign_id}/review-queue/next", response_model=NextInQueue)
async def get_next_in_queue(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                            clock: ClockDep, after: uuid.UUID | None = None) -> NextInQueue:
    """The report to open next: the first of my queue by name, else the first unassigned one waiting. `after`
    (a unit id) leaves that school out."""
    campaign = await service.reviewed_campaign(session, principal, campaign_id)
    found = await service.next_in_queue(session, principal, campaign, now=clock(),
                                        skip_unit_ids=[after] if after else [])
    return NextInQueue(**found.__dict__)


async def _assignment_read(session: SessionDep, ctx: workflow.Context) -> ReviewAssignmentRead:
    review = await repository.review_of(session, ctx.target, create=False)
    declined = await repository.declined_by(session, [ctx.target.id])
    return ReviewAssignmentRead(submission_id=ctx.submission.id, unit_id=ctx.target.unit_id,
                                unit_name=ctx.target.unit_name, reviewer_id=review.reviewer_id if review else None,
                                reviewer_name=review.reviewer_name if review else None,
                                assigned_at=review.assigned_at if review else None,
                                declined_by=sorted(declined.get(ctx.target.id, set())))


@router.post("/submissions/{submission_id}/claim", response_model=ReviewAssignmentRead)
async def claim_submission(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                           clock: ClockDep) -> ReviewAssignmentRead:
    """Take the report into my queue (409 when it is someone else's; `reviewer_not_assignable` when I declined
    the school)."""
    return await _assignment_read(session, await service.claim(session, principal, submission_id=submission_id,
                                                               now=clock()))


@router.post("/submissions/{submission_id}/release", response_model=ReviewAssignmentRead)
async def release_submission(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                             clock: ClockDep) -> ReviewAssignmentRead:
    """Put the report back into the shared queue (the assigned reviewer, or an admin of the issuer)."""
    return await _assignment_read(session, await service.release(session, principal, submission_id=submission_id,
                                                                 now=clock()))


@router.post("/submissions/{submission_id}/decline", response_model=ReviewAssignmentRead)
async def decline_submission(submission_id: uuid.UUID, body: DeclineRequest, session: SessionDep,
                             principal: CurrentPrincipal, clock: ClockDep) -> ReviewAssignmentRead:
    """Refuse to review this school, with a reason (conflict of interest: e.g. my former school). The report
    leaves my queue and is never assigned to me again, by hand or automatically."""
    return await _assignment_read(session, await service.decline(session, principal, submission_id=submission_id,
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


async def _decided(session: SessionDep, principal: Principal, ctx: workflow.Context, clock: ClockDep) -> DecisionRead:
    found = await service.next_in_queue(session, principal, ctx.campaign, now=clock(),
                                        skip_unit_ids=[ctx.target.unit_id])
    return DecisionRead(**submission_read(principal, ctx).model_dump(), next=NextInQueue(**found.__dict__))


@router.post("/submissions/{submission_id}/approve", response_model=DecisionRead)
async def approve_submission(submission_id: uuid.UUID, body: ApproveRequest, session: SessionDep,
                             principal: CurrentPrincipal, events: EventsDep, clock: ClockDep, scoring: ScoringDep,
                             evidence: EvidenceDep) -> DecisionRead:
    """Approve (reviewers of the issuing authority), after the guards: every evidence item reviewed, with a
    rubric every criterion review-scored (or `accept_self_scores`), and a confirmation that repeats the school's
    name (`confirm_unit_name`) and its final score (`confirm_final_score`). Otherwise 409 `approval_refused`
    with every reason in `extra.reasons` and the names to confirm in `extra.unit_name`, `extra.final_score`.
    The answer names the next report of my queue (`next`)."""
    ctx = await workflow.load(session, principal, submission_id)
    workflow.ensure_review(principal, ctx, "approve")  # who and when first: their problems keep their codes
    await signatures_service.ensure_signed_for_approval(session, ctx)
    check, sheet = await service.approval_check(ctx, scoring=scoring, evidence=evidence,
                                                accept_self_scores=body.accept_self_scores)
    reasons = check.reasons + service.confirmation_problems(check, unit_name=body.confirm_unit_name,
                                                            final_score=body.confirm_final_score)
    if reasons:
        raise ApprovalRefused(" ".join(reasons), extra={"reasons": reasons, "unit_name": check.unit_name,
                                                        "final_score": check.final_score,
                                                        "unscored_criteria": check.unscored_criteria,
                                                        "unreviewed_evidence": check.unreviewed_evidence})
    ctx = await workflow.approve(session, principal, events, clock, submission_id, body.comment,
                                 guard=signatures_service.ensure_signed_for_approval)
    if sheet is not None:
        await service.keep_scores(session, ctx.target, sheet, clock())
    return await _decided(session, principal, ctx, clock)


@router.post("/submissions/{submission_id}/return", response_model=DecisionRead)
async def return_submission(submission_id: uuid.UUID, body: ReturnRequest, session: SessionDep,
                            principal: CurrentPrincipal, events: EventsDep, clock: ClockDep) -> DecisionRead:
    """Return for revision with reasons (general, per section, per criterion) and a resubmission deadline.
    Without a date, the deadline is the later of the campaign's deadline and now + the campaign's
    `revision_days`, at 17:00 Vietnam time of that working day (the next working day when past 17:00 or on a
    weekend). The answer names the next report of my queue (`next`)."""
    ctx = await workflow.return_submission(session, principal, events, clock, submission_id, body)
    return await _decided(session, principal, ctx, clock)


@router.post("/campaigns/{campaign_id}/bulk-actions", response_model=BulkActionRead,
             status_code=status.HTTP_202_ACCEPTED)
async def create_bulk_action(campaign_id: uuid.UUID, body: BulkCreate, session: SessionDep,
                             principal: CurrentPrincipal, clock: ClockDep) -> BulkActionRead:
    """Schedule an action on the selected schools: `remind` (through notifications, once per school),
    `extend` (their deadline, with `due_at` and `reason`), `return` (with shared `reasons`) or `approve` (those
    that pass the guards, accepting self-scores if `accept_self_scores`). It runs when its undo window ends
    (`run_after`, 10 s): until then `DELETE` cancels it and nothing happened. Read it again for each school's
    outcome in `results`."""
    action = await bulk.schedule(session, principal, campaign_id=campaign_id, data=body, now=clock())
    return bulk.read(action)


@router.get("/bulk-actions/{action_id}", response_model=BulkActionRead)
async def get_bulk_action(action_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> BulkActionRead:
    """A bulk action: scheduled, cancelled or done, with what happened at each school once done."""
    return bulk.read(await bulk.visible(session, principal, action_id))


@router.delete("/bulk-actions/{action_id}", response_model=BulkActionRead)
async def cancel_bulk_action(action_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                             clock: ClockDep) -> BulkActionRead:
    """Undo: cancel a scheduled action before its window ends (409 `bulk_action_closed` once it ran)."""
    return bulk.read(await bulk.cancel(session, principal, action_id, now=clock()))


@router.post("/bulk-actions/{action_id}/run", response_model=BulkActionRead)
async def run_bulk_action(action_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                          clock: ClockDep) -> BulkActionRead:
    """End the undo window now (the person who scheduled it): the action runs within a second."""
    action = await bulk.visible(session, principal, action_id)
    await bulk.run_now(session, action, now=clock())
    return bulk.read(action)
