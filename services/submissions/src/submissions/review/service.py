"""Who reviews what: assignment by hand or balanced by load, claim, release, decline with a reason, the next
report of a reviewer's queue, the guards an approval must pass, and the board's copy of the scores.

Assignment is advisory for the workflow (any reviewer of the issuer may still decide a report), but it makes the
queues: "Của tôi" lists what is assigned to me, and automatic assignment never gives a school to a reviewer who
declined it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.tables import audit
from submissions.access import manages_campaign, reviews_by_commune_grant, reviews_for_issuer, sees_everything
from submissions.campaigns import service as campaigns_service
from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.clients.evidence import EvidenceClient
from submissions.clients.scoring import ScoreSheet, ScoringClient
from submissions.errors import ApprovalRefused, NotAllowed, ReviewerNotAssignable, SubmissionStateConflict
from submissions.events import EventSink
from submissions.review import bulk, repository
from submissions.review.models import BulkAction, ReviewDecline
from submissions.review.schemas import (
    ApprovalCheck,
    ApproveRequest,
    AssignmentOutcome,
    AssignmentReport,
    BoardSelection,
    BulkActionRead,
    BulkCreate,
    DecisionRead,
    NextInQueue,
    ReviewAssignmentRead,
    ReviewerRef,
)
from submissions.signatures import service as signatures_service
from submissions.status import board as status_board
from submissions.status import expressions as status_expressions
from submissions.status import repository as status_repository
from submissions.status import service as status_service
from submissions.status.models import TargetReview
from submissions.status.schemas import ReviewQueue
from submissions.workflow import service as workflow
from submissions.workflow.models import SubmissionStatus
from submissions.workflow.schemas import ReturnRequest

_DECIDABLE = {SubmissionStatus.SUBMITTED, SubmissionStatus.RESUBMITTED, SubmissionStatus.UNDER_REVIEW,
              SubmissionStatus.FORWARDED}
_SCORE_TOLERANCE = 0.005


async def reviewed_campaign(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID) -> Campaign:
    """The campaign, if the caller reviews for its issuer (reviewers and admins of the issuer or above) or is a
    commune official a Sở on the issuer's line granted `review` (then only its commune's schools: `granted_commune`)."""
    campaign = await campaigns_service.get_visible(session, principal, campaign_id)
    if not (sees_everything(principal) or reviews_for_issuer(principal, campaign.issuer_path)
            or granted_commune(principal, campaign) is not None):
        raise NotAllowed("Chỉ người thẩm định của đơn vị ban hành mới phân công và nhận báo cáo.")
    return campaign


def granted_commune(principal: Principal, campaign: Campaign) -> uuid.UUID | None:
    """The commune whose schools alone the caller reviews in `campaign`, by a Sở's grant (issue 20); None for a
    reviewer of the issuer (every school) and for anyone who reviews nothing."""
    if sees_everything(principal) or reviews_for_issuer(principal, campaign.issuer_path):
        return None
    if reviews_by_commune_grant(principal, campaign.issuer_path, principal.unit_id):
        return principal.unit_id
    return None


OUTSIDE_GRANT = "Trường không thuộc xã/phường được Sở giao thẩm định."


def outside_grant(principal: Principal, campaign: Campaign, target: CampaignTarget) -> bool:
    """The caller reviews by a commune grant and `target` is not a school of that commune."""
    commune_id = granted_commune(principal, campaign)
    return commune_id is not None and target.commune_id != commune_id


def _scope(principal: Principal, campaign: Campaign, now: datetime) -> status_expressions.Scope:
    """The board's targets a reviewer works on: all of the campaign's, or a grantee's commune's schools."""
    return status_expressions.Scope(campaign_id=campaign.id, campaign_due=campaign.due_at, now=now,
                                   group_unit_id=campaign.issuer_unit_id,
                                   commune_id=granted_commune(principal, campaign))


# --- assignment ----------------------------------------------------------------------------------------


async def assign(session: AsyncSession, principal: Principal, *, campaign_id: uuid.UUID,
                 unit_ids: Sequence[uuid.UUID], reviewer: ReviewerRef, now: datetime) -> AssignmentReport:
    """Assign each school to `reviewer`, except one the reviewer declined (named with the reason)."""
    campaign = await reviewed_campaign(session, principal, campaign_id)
    found = await repository.targets_by_unit(session, campaign.id, unit_ids)
    commune_id = granted_commune(principal, campaign)
    declined = await repository.declined_by(session, [t.id for t, _ in found.values()])
    results = []
    for unit_id in dict.fromkeys(unit_ids):
        if unit_id not in found:
            results.append(AssignmentOutcome(unit_id=unit_id, unit_name=None, outcome="skipped", reviewer_id=None,
                                             reviewer_name=None, reason="Không phải đơn vị của đợt báo cáo."))
            continue
        target, _ = found[unit_id]
        if commune_id is not None and target.commune_id != commune_id:
            results.append(AssignmentOutcome(unit_id=unit_id, unit_name=target.unit_name, outcome="skipped",
                                             reviewer_id=None, reviewer_name=None, reason=OUTSIDE_GRANT))
            continue
        if reviewer.id in declined.get(target.id, set()):
            results.append(AssignmentOutcome(unit_id=unit_id, unit_name=target.unit_name, outcome="skipped",
                                             reviewer_id=None, reviewer_name=None,
                                             reason=f"{reviewer.name} đã từ chối thẩm định trường này."))
            continue
        await _set_reviewer(session, principal, target, reviewer, now)
        results.append(AssignmentOutcome(unit_id=unit_id, unit_name=target.unit_name, outcome="assigned",
                                         reviewer_id=reviewer.id, reviewer_name=reviewer.name))
    return AssignmentReport(results=results, assigned=sum(1 for r in results if r.outcome == "assigned"),
                            load=await repository.load_by_reviewer(session, campaign.id))


async def auto_assign(session: AsyncSession, principal: Principal, *, campaign_id: uuid.UUID,
                      reviewers: Sequence[ReviewerRef], selection: BoardSelection, now: datetime) -> AssignmentReport:
    """The unassigned schools the board lists for `selection`, by name, each to the reviewer with the fewest
    reports waiting (ties: the order given), skipping a reviewer who declined the school."""
    equals = status_service.parse_equalities(selection.match)
    ranges = status_service.parse_ranges(selection.range)
    campaign = await reviewed_campaign(session, principal, campaign_id)
    scope = _scope(principal, campaign, now)
    filters = status_board.BoardFilters(
        query=selection.q, queue=selection.queue.value if selection.queue else None,
        reviewer_id=principal.subject, equals=(*equals, ("reviewer_id", status_board.NONE_VALUE)), ranges=ranges)
    rows = await status_repository.listed(session, scope, filters=filters, limit=None, offset=0)
    found = await repository.targets_by_unit(session, campaign.id, [row.unit_id for row in rows])
    declined = await repository.declined_by(session, [t.id for t, _ in found.values()])
    current = await repository.load_by_reviewer(session, campaign.id)
    load = {r.id: current.get(r.id, 0) for r in reviewers}
    order = {r.id: i for i, r in enumerate(reviewers)}
    results = []
    for row in rows:
        target, _ = found[row.unit_id]
        candidates = [r for r in reviewers if r.id not in declined.get(target.id, set())]
        if not candidates:
            results.append(AssignmentOutcome(unit_id=row.unit_id, unit_name=row.unit_name, outcome="skipped",
                                             reviewer_id=None, reviewer_name=None,
                                             reason="Mọi người thẩm định được chọn đều đã từ chối trường này."))
            continue
        chosen = min(candidates, key=lambda r: (load[r.id], order[r.id]))
        load[chosen.id] += 1
        await _set_reviewer(session, principal, target, chosen, now)
        results.append(AssignmentOutcome(unit_id=row.unit_id, unit_name=row.unit_name, outcome="assigned",
                                         reviewer_id=chosen.id, reviewer_name=chosen.name))
    return AssignmentReport(results=results, assigned=sum(1 for r in results if r.outcome == "assigned"),
                            load=await repository.load_by_reviewer(session, campaign.id))


async def _set_reviewer(session: AsyncSession, principal: Principal, target: CampaignTarget,
                        reviewer: ReviewerRef | None, now: datetime) -> TargetReview:
    review = await repository.review_of(session, target)
    assert review is not None
    before = {"reviewer_id": review.reviewer_id}
    review.reviewer_id = reviewer.id if reviewer else None
    review.reviewer_name = reviewer.name if reviewer else None
    review.assigned_at = now if reviewer else None
    review.assigned_by = principal.subject if reviewer else None
    await session.flush()
    audit.record(session, action="submission.reviewer_assigned" if reviewer else "submission.reviewer_released",
                 actor=principal, target_type="campaign_target", target_id=target.id, unit_id=target.unit_id,
                 unit_path=target.unit_path, before=before, after={"reviewer_id": review.reviewer_id})
    return review


async def claim(session: AsyncSession, principal: Principal, *, submission_id: uuid.UUID,
                now: datetime) -> workflow.Context:
    """The caller takes the report: it was unassigned or already theirs (409 when it is someone else's)."""
    ctx = await reviewable(session, principal, submission_id)
    review = await repository.review_of(session, ctx.target)
    assert review is not None
    if review.reviewer_id not in (None, principal.subject):
        raise SubmissionStateConflict(f"Báo cáo đã được giao cho {review.reviewer_name or 'người khác'}.")
    if await repository.has_declined(session, ctx.target.id, principal.subject):
        raise ReviewerNotAssignable("Bạn đã từ chối thẩm định trường này.")
    await _set_reviewer(session, principal, ctx.target, _me(principal), now)
    return ctx


async def release(session: AsyncSession, principal: Principal, *, submission_id: uuid.UUID,
                  now: datetime) -> workflow.Context:
    """The report goes back to the pool: the assigned reviewer's choice, or an admin's."""
    ctx = await reviewable(session, principal, submission_id)
    review = await repository.review_of(session, ctx.target)
    assert review is not None
    if review.reviewer_id not in (None, principal.subject) and not manages_campaign(
            principal, ctx.campaign.issuer_path):
        raise NotAllowed("Chỉ người được giao hoặc quản trị viên của đơn vị ban hành mới trả báo cáo về hàng đợi.")
    await _set_reviewer(session, principal, ctx.target, None, now)
    return ctx


async def decline(session: AsyncSession, principal: Principal, *, submission_id: uuid.UUID, reason: str,
                  now: datetime) -> workflow.Context:
    """The caller refuses this school for good (e.g. its own former school); the report leaves their queue."""
    ctx = await reviewable(session, principal, submission_id)
    if not await repository.has_declined(session, ctx.target.id, principal.subject):
        session.add(ReviewDecline(target_id=ctx.target.id, reviewer_id=principal.subject,
                                  reviewer_name=principal.name, reason=reason.strip(), at=now))
    review = await repository.review_of(session, ctx.target)
    assert review is not None
    if review.reviewer_id == principal.subject:
        await _set_reviewer(session, principal, ctx.target, None, now)
    audit.record(session, action="submission.review_declined", actor=principal, target_type="campaign_target",
                 target_id=ctx.target.id, unit_id=ctx.target.unit_id, unit_path=ctx.target.unit_path,
                 changes={"reason": reason.strip()})
    await session.flush()
    return ctx


async def reviewable(session: AsyncSession, principal: Principal, submission_id: uuid.UUID) -> workflow.Context:
    ctx = await workflow.load(session, principal, submission_id)
    if workflow.review_stage(principal, ctx) is None:
        raise NotAllowed("Bạn không phải người thẩm định của đợt báo cáo này.")
    return ctx


def _me(principal: Principal) -> ReviewerRef:
    return ReviewerRef(id=principal.subject, name=principal.name or principal.subject)


# --- the next report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Next:
    submission_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    unit_name: str | None
    queue: ReviewQueue | None
    remaining: int


async def next_in_queue(session: AsyncSession, principal: Principal, campaign: Campaign, *, now: datetime,
                        skip_unit_ids: Sequence[uuid.UUID] = ()) -> Next:
    """The first report of "Của tôi" by name, else the first unassigned one waiting (the one the reviewer would
    claim next); the report just decided is skipped."""
    scope = _scope(principal, campaign, now)
    mine = status_board.BoardFilters(queue=ReviewQueue.MINE.value, reviewer_id=principal.subject,
                                          exclude_unit_ids=tuple(skip_unit_ids))
    remaining = await status_repository.counted(session, scope, filters=mine)
    rows = await status_repository.listed(session, scope, filters=mine, limit=1, offset=0)
    queue = ReviewQueue.MINE
    if not rows:
        pool = status_board.BoardFilters(queue=ReviewQueue.AWAITING.value, exclude_unit_ids=tuple(skip_unit_ids),
                                              equals=(("reviewer_id", status_board.NONE_VALUE),))
        rows = await status_repository.listed(session, scope, filters=pool, limit=1, offset=0)
        queue = ReviewQueue.AWAITING
    if not rows:
        return Next(None, None, None, None, remaining)
    row = rows[0]
    return Next(row.submission_id, row.unit_id, row.unit_name, queue, remaining)


# --- guards --------------------------------------------------------------------------------------------


async def approval_check(ctx: workflow.Context, *, scoring: ScoringClient, evidence: EvidenceClient,
                         accept_self_scores: bool) -> tuple[ApprovalCheck, ScoreSheet | None]:
    """Why an approval would be refused now (every reason, in Vietnamese), and what its confirmation names:
    the school and the final score. Evidence must all be reviewed (accepted or marked); with a rubric, every
    criterion needs a review score unless the reviewer accepts the self-scores explicitly."""
    reasons: list[str] = []
    items = await evidence.items(ctx.submission.id)
    pending = [item for item in items if item.review_state == "pending"]
    if pending:
        reasons.append(f"Còn {len(pending)}/{len(items)} minh chứng chưa được xem xét: "
                       + ", ".join(item.title for item in pending[:5]) + ("…" if len(pending) > 5 else "") + ".")
    sheet = await scoring.score_sheet(ctx.submission.id) if ctx.campaign.rubric_id else None
    unscored = sheet.unreviewed if sheet else []
    if unscored and not accept_self_scores:
        reasons.append(f"Còn {len(unscored)}/{len(sheet.criteria) if sheet else 0} tiêu chí chưa có điểm thẩm "
                       f"định ({', '.join(unscored[:8])}{'…' if len(unscored) > 8 else ''}): chấm điểm hoặc chấp "
                       "nhận điểm tự chấm.")
    if SubmissionStatus(ctx.submission.status) not in _DECIDABLE:
        reasons.append("Báo cáo không ở trạng thái chờ thẩm định.")
    final = sheet.final_total if sheet else None
    return ApprovalCheck(ready=not reasons, reasons=reasons, unit_name=ctx.target.unit_name,
                         final_score=final, unreviewed_evidence=len(pending), unscored_criteria=unscored), sheet


def confirmation_problems(check: ApprovalCheck, *, unit_name: str | None, final_score: float | None) -> list[str]:
    """The confirmation repeats the school's name and the final score the reviewer is approving."""
    problems = []
    if (unit_name or "").strip().casefold() != check.unit_name.strip().casefold():
        problems.append(f"Xác nhận phải nêu đúng tên trường: {check.unit_name}.")
    if check.final_score is not None and (final_score is None
                                          or abs(final_score - check.final_score) > _SCORE_TOLERANCE):
        problems.append(f"Xác nhận phải nêu đúng điểm cuối cùng: {check.final_score:g}.")
    return problems


async def keep_scores(session: AsyncSession, target: CampaignTarget, sheet: ScoreSheet, now: datetime) -> None:
    """The board's copy of the totals, from a sheet just read."""
    await repository.set_scores(session, target, self_score=sheet.self_total, review_score=sheet.review_total,
                                final_score=sheet.final_total, at=now)


async def approve(session: AsyncSession, principal: Principal, events: EventSink, clock: workflow.Clock, *,
                  submission_id: uuid.UUID, body: ApproveRequest, scoring: ScoringClient,
                  evidence: EvidenceClient) -> workflow.Context:
    """Approve after the guards (see `approval_check`) and the confirmation that names the school and its final
    score; keep the board's copy of the scores."""
    ctx = await workflow.load(session, principal, submission_id)
    workflow.ensure_review(principal, ctx, "approve")  # who and when first: their problems keep their codes
    await signatures_service.ensure_signed_for_approval(session, ctx)
    check, sheet = await approval_check(ctx, scoring=scoring, evidence=evidence,
                                        accept_self_scores=body.accept_self_scores)
    reasons = check.reasons + confirmation_problems(check, unit_name=body.confirm_unit_name,
                                                    final_score=body.confirm_final_score)
    if reasons:
        raise ApprovalRefused(" ".join(reasons), extra={"reasons": reasons, "unit_name": check.unit_name,
                                                        "final_score": check.final_score,
                                                        "unscored_criteria": check.unscored_criteria,
                                                        "unreviewed_evidence": check.unreviewed_evidence})
    ctx = await workflow.approve(session, principal, events, clock, submission_id, body.comment,
                                 guard=signatures_service.ensure_signed_for_approval)
    if sheet is not None:
        await keep_scores(session, ctx.target, sheet, clock())
    return ctx


async def return_submission(session: AsyncSession, principal: Principal, events: EventSink, clock: workflow.Clock, *,
                            submission_id: uuid.UUID, body: ReturnRequest) -> workflow.Context:
    """Return for revision (the workflow's rules: reasons, the resubmission deadline)."""
    return await workflow.return_submission(session, principal, events, clock, submission_id, body)


# --- what the API answers ------------------------------------------------------------------------------


async def assignment_read(session: AsyncSession, ctx: workflow.Context) -> ReviewAssignmentRead:
    """Who reviews the report now, and who declined its school."""
    review = await repository.review_of(session, ctx.target, create=False)
    declined = await repository.declined_by(session, [ctx.target.id])
    return ReviewAssignmentRead(submission_id=ctx.submission.id, unit_id=ctx.target.unit_id,
                                unit_name=ctx.target.unit_name, reviewer_id=review.reviewer_id if review else None,
                                reviewer_name=review.reviewer_name if review else None,
                                assigned_at=review.assigned_at if review else None,
                                declined_by=sorted(declined.get(ctx.target.id, set())))


async def decision_read(session: AsyncSession, principal: Principal, ctx: workflow.Context, *,
                        now: datetime) -> DecisionRead:
    """The report as a decision left it, with the next report of the reviewer's queue (this one skipped)."""
    found = await next_in_queue(session, principal, ctx.campaign, now=now, skip_unit_ids=[ctx.target.unit_id])
    return DecisionRead(**workflow.submission_read(principal, ctx).model_dump(), next=NextInQueue(**found.__dict__))


# --- bulk actions (see bulk) ---------------------------------------------------------------------------


async def schedule_bulk_action(session: AsyncSession, principal: Principal, *, campaign_id: uuid.UUID,
                               data: BulkCreate, now: datetime) -> BulkActionRead:
    return bulk.read(await bulk.schedule(session, principal, campaign_id=campaign_id, data=data, now=now))


async def get_bulk_action(session: AsyncSession, principal: Principal, action_id: uuid.UUID) -> BulkActionRead:
    return bulk.read(await bulk.visible(session, principal, action_id))


async def cancel_bulk_action(session: AsyncSession, principal: Principal, action_id: uuid.UUID, *,
                             now: datetime) -> BulkActionRead:
    return bulk.read(await bulk.cancel(session, principal, action_id, now=now))


async def run_bulk_action_now(session: AsyncSession, principal: Principal, action_id: uuid.UUID, *,
                              now: datetime) -> BulkActionRead:
    """End the undo window now (the person who scheduled it may)."""
    action: BulkAction = await bulk.visible(session, principal, action_id)
    await bulk.run_now(session, action, now=now)
    return bulk.read(action)
