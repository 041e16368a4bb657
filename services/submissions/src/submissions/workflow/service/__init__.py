"""The submission workflow: draft → submitted → under review → returned → resubmitted → (forwarded) → approved.

Rules that must never break live here: who may act at each step, that a submitted version is never changed,
that two people saving one draft cannot overwrite each other, and how lateness is judged.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.pagination import PageParams
from edudx_common.tables import audit
from edudx_common.timezone import describe_delay, format_vn
from submissions import deadlines
from submissions.access import (
    AUTHORITY_ROLES,
    acts_for_school,
    path_pattern,
    prepares_submission,
    reviews_by_commune_grant,
    reviews_for_issuer,
    reviews_in_between,
    sees_everything,
    sees_submission,
    unit_in_path,
)
from submissions.campaigns.models import Campaign, CampaignStatus, CampaignTarget, LatePolicy
from submissions.clients.scoring import ScoringClient
from submissions.errors import (
    DeadlinePassed,
    NotAllowed,
    StaleSubmission,
    SubmissionNotFound,
    SubmissionStateConflict,
)
from submissions.events import EventSink
from submissions.outlines.validation import (
    ContentError,
    check_values,
)
from submissions.workflow import checklist, outline_cache, repository
from submissions.workflow.events import SubmissionApproved, SubmissionReturned, SubmissionSubmitted
from submissions.workflow.models import Submission, SubmissionEvent, SubmissionStatus, SubmissionVersion
from submissions.workflow.schemas import CampaignPhase, FieldProblem, ReturnRequest, SubmissionRead, UnitSubmissionRead

Clock = Callable[[], datetime]
EDITABLE = {SubmissionStatus.DRAFT, SubmissionStatus.RETURNED}
AWAITING_REVIEW = {SubmissionStatus.SUBMITTED, SubmissionStatus.RESUBMITTED}


@dataclass(frozen=True)
class Context:
    """A submission with the campaign and target it belongs to: what every rule needs to look at."""

    submission: Submission
    campaign: Campaign
    target: CampaignTarget


# --- reading -------------------------------------------------------------------------------------------


async def submitted_version(session: AsyncSession, ctx: Context, number: int | None) -> SubmissionVersion | None:
    """Version `number` of the submission as it was submitted (None for no number, or a number never submitted)."""
    return await repository.version(session, ctx.submission.id, number) if number else None


async def load(session: AsyncSession, principal: Principal, submission_id: uuid.UUID) -> Context:
    found = await repository.with_context(session, submission_id)
    if found is None:
        raise SubmissionNotFound()
    submission, target, campaign = found
    if not (sees_submission(principal, target.unit_path)
            or await _reads_only(session, principal, submission, target)):
        raise SubmissionNotFound()
    return Context(submission, campaign, target)


def visible(principal: Principal, submission: Submission, target: CampaignTarget, campaign: Campaign) -> Context:
    """The save path's check: only who may act can save, so the read-only readers of `load` need not be asked."""
    if not sees_submission(principal, target.unit_path):
        raise SubmissionNotFound()
    return Context(submission, campaign, target)


async def _reads_only(session: AsyncSession, principal: Principal, submission: Submission,
                      target: CampaignTarget) -> bool:
    """Who may read a submission they can never act on (every act checks the current path): the officials of
    the school's commune (its administrative owner), and the managers of a path the school had before a
    reorganisation moved it, for the submissions they took part in."""
    if principal.unit_id is None or not principal.has_any(*AUTHORITY_ROLES):
        return False
    if target.commune_id is not None and target.commune_id == principal.unit_id:
        return True
    return (any(unit_in_path(principal.unit_id, path) for path in target.former_unit_paths)
            and await repository.unit_took_part(session, submission.id, principal.unit_id))


@dataclass(frozen=True)
class UnitLine:
    """A campaign the unit must answer; `submission` is None until the unit opens its draft."""

    target: CampaignTarget
    campaign: Campaign
    submission: Submission | None

    @property
    def due_at(self) -> datetime:
        if self.submission is not None:
            return effective_due(Context(self.submission, self.campaign, self.target))
        return deadlines.unit_due(self.campaign.due_at, self.target.extension_due_at)


async def list_for_unit(session: AsyncSession, principal: Principal, page: PageParams, unit_id: uuid.UUID | None,
                        campaign_id: uuid.UUID | None = None) -> tuple[list[UnitLine], int]:
    """The unit's campaigns and submissions (the caller's unit by default); a unit outside the caller's scope
    simply has none."""
    unit_id = unit_id or principal.unit_id
    if sees_everything(principal):
        pattern = None
    elif principal.unit_id is not None:
        pattern = path_pattern(principal.unit_id)
    else:
        return [], 0
    if unit_id is None:
        return [], 0
    rows, total = await repository.of_unit(session, unit_id, path_pattern=pattern, campaign_id=campaign_id,
                                           limit=page.limit, offset=page.offset)
    return [UnitLine(*row) for row in rows], total


def phase(campaign: Campaign, due_at: datetime, now: datetime) -> CampaignPhase:
    """Where the unit stands in the campaign's calendar, judged by the server's clock: `not_open` (before
    `opens_at`: nothing can be drafted yet), `open`, `late` (past its deadline, late work still accepted) or
    `closed` (closed or archived by the issuer, or past its deadline under a hard cut-off)."""
    if campaign.status != CampaignStatus.PUBLISHED:
        return "closed"
    if now < campaign.opens_at:
        return "not_open"
    if now <= due_at:
        return "open"
    if campaign.late_policy == LatePolicy.HARD_CUTOFF:
        return "closed"
    # Late work is accepted until the campaign's cut-off, moved by the unit's own later deadline.
    if campaign.late_until is not None and now > max(campaign.late_until, due_at):
        return "closed"
    return "late"


def effective_due(ctx: Context) -> datetime:
    return deadlines.effective_due(ctx.campaign.due_at, ctx.target.extension_due_at, ctx.submission.status,
                                   ctx.submission.resubmission_due_at)


def late_text(submission: Submission) -> str | None:
    if submission.late_seconds is None or submission.late_seconds <= 0:
        return None
    return f"nộp muộn {describe_delay(submission.late_seconds)}"


def allowed_actions(principal: Principal, ctx: Context) -> list[str]:
    """What the caller may do now — the SPA shows exactly these buttons; the server checks them again."""
    actions = []
    status = SubmissionStatus(ctx.submission.status)
    open_campaign = ctx.campaign.status == CampaignStatus.PUBLISHED and ctx.target.withdrawn_at is None
    on_behalf = acts_for_school(principal, ctx.target.unit_id, ctx.target.unit_path)
    if open_campaign and status in EDITABLE and (prepares_submission(principal, ctx.target.unit_id) or on_behalf):
        actions.append("edit")
        if _is_principal_of(principal, ctx.target) or on_behalf:
            actions.append("submit")
    stage = review_stage(principal, ctx)
    for action in ("start_review", "return", "forward", "approve"):
        if stage is not None and _review_allowed(action, stage, ctx) is None:
            actions.append(action)
    return actions


def ensure_can_edit(principal: Principal, ctx: Context, now: datetime) -> None:
    if not (prepares_submission(principal, ctx.target.unit_id)
            or acts_for_school(principal, ctx.target.unit_id, ctx.target.unit_path)):
        raise NotAllowed("Chỉ cán bộ của trường (hoặc quản trị viên cấp trên thay mặt trường) được soạn báo cáo.")
    if ctx.campaign.status != CampaignStatus.PUBLISHED:
        raise SubmissionStateConflict("Đợt báo cáo không còn mở.")
    if ctx.target.withdrawn_at is not None:
        raise SubmissionStateConflict("Đơn vị đã được rút khỏi đợt báo cáo.")
    if now < ctx.campaign.opens_at:
        raise SubmissionStateConflict("Đợt báo cáo chưa đến thời điểm mở.")
    if SubmissionStatus(ctx.submission.status) not in EDITABLE:
        raise SubmissionStateConflict("Báo cáo đã nộp không sửa được; chờ cấp trên trả lại nếu cần sửa.")


def content_problems(ctx: Context) -> list[ContentError]:
    """What is wrong in the stored answers (types, formats, limits): shown at each field, refused on submit."""
    outline = outline_cache.outline(ctx.campaign)
    return check_values(outline, ctx.submission.content) if outline is not None else []


async def _write(session: AsyncSession, submission: Submission, base_version: int, **values: Any) -> None:
    if not await repository.compare_and_set(session, submission, base_version, values):
        await refuse_stale(session, submission)


async def refuse_stale(session: AsyncSession, submission: Submission) -> None:
    await session.refresh(submission)  # what the winner wrote
    raise StaleSubmission(
            f"{submission.updated_by or 'Người khác'} đã lưu báo cáo (phiên bản {submission.version}) sau khi bạn mở."
            " Tải lại để xem thay đổi; nội dung bạn đang soạn vẫn còn trên máy.",
            extra={"current_version": submission.version})


# --- submitting ----------------------------------------------------------------------------------------


async def checklist_of(ctx: Context, scoring: ScoringClient) -> checklist.Checklist:
    return await checklist.build(outline_cache.outline(ctx.campaign), ctx.submission.content,
                                 submission_id=ctx.submission.id,
                                 rubric_id=ctx.campaign.rubric_id, scoring=scoring)


async def ensure_complete(ctx: Context, scoring: ScoringClient) -> None:
    """A submit goes in only when the checklist is empty; otherwise 422 with the whole list by section."""
    checklist.refuse_unless_ready(await checklist_of(ctx, scoring))


async def submit(session: AsyncSession, principal: Principal, events: EventSink, clock: Clock,
                 scoring: ScoringClient, submission_id: uuid.UUID, base_version: int, note: str | None) -> Context:
    ctx = await load(session, principal, submission_id)
    now = clock()
    on_behalf = acts_for_school(principal, ctx.target.unit_id, ctx.target.unit_path)
    if not (_is_principal_of(principal, ctx.target) or on_behalf):
        raise NotAllowed("Chỉ Hiệu trưởng (hoặc cấp quản lý thay mặt trường) được nộp báo cáo.")
    ensure_can_edit(principal, ctx, now)
    await ensure_complete(ctx, scoring)
    resubmitting = ctx.submission.status == SubmissionStatus.RETURNED
    due = effective_due(ctx)
    late = max(0, int((now - due).total_seconds()))
    if late and ctx.campaign.late_policy == LatePolicy.HARD_CUTOFF:
        raise DeadlinePassed(f"Hạn nộp là {format_vn(due)}; đợt báo cáo không nhận báo cáo muộn.")
    # A unit's own later deadline (extension, resubmission) moves its cut-off with it.
    if late and ctx.campaign.late_until is not None and now > max(ctx.campaign.late_until, due):
        raise DeadlinePassed(f"Đợt báo cáo chỉ nhận báo cáo muộn đến {format_vn(ctx.campaign.late_until)}.")
    number = ctx.submission.submit_count + 1
    values: dict[str, Any] = {
        "status": (SubmissionStatus.RESUBMITTED if resubmitting else SubmissionStatus.SUBMITTED).value,
        "submit_count": number, "last_submitted_at": now, "updated_at": now, "updated_by": who(principal),
    }
    if not resubmitting:
        values |= {"first_submitted_at": now, "late_seconds": late}
    await _write(session, ctx.submission, base_version, **values)
    session.add(SubmissionVersion(submission_id=ctx.submission.id, number=number, content=dict(ctx.submission.content),
                                  submitted_at=now, submitted_by=principal.subject,
                                  submitted_by_name=principal.name, on_behalf=on_behalf, late_seconds=late or None))
    detail: dict[str, Any] = {"late_seconds": late} if late else {}
    if note:
        detail["note"] = note
    await record(session, ctx.submission, principal, "resubmitted" if resubmitting else "submitted", ctx.target,
            version_number=number, detail=detail or None, on_behalf=on_behalf, at=now)
    await session.flush()
    await events.emit(session, SubmissionSubmitted.model_validate({
        **_payload(ctx), "version": number, "late_seconds": late, "resubmission": resubmitting,
        "on_behalf": on_behalf}))
    return ctx


# --- reviewing -----------------------------------------------------------------------------------------


def review_stage(principal: Principal, ctx: Context) -> str | None:
    """'issuer' for reviewers of the issuing authority (or above) and for a commune official the Sở granted
    `review` on the school's commune, 'intermediate' for the managing Phòng of a two-level campaign, None for anyone
    else."""
    if reviews_for_issuer(principal, ctx.campaign.issuer_path) \
            or reviews_by_commune_grant(principal, ctx.campaign.issuer_path, ctx.target.commune_id):
        return "issuer"
    if ctx.campaign.two_level_review and reviews_in_between(principal, ctx.campaign.issuer_path, ctx.target.unit_path):
        return "intermediate"
    return None


def _two_level(ctx: Context) -> bool:
    """Two-level only applies when there is an authority between the issuer and the school."""
    issuer_depth = ctx.campaign.issuer_path.count("/") - 1
    unit_depth = ctx.target.unit_path.count("/") - 1
    return ctx.campaign.two_level_review and unit_depth - issuer_depth > 1


def _review_allowed(action: str, stage: str, ctx: Context) -> str | None:
    """None when `action` is allowed at `stage` now; otherwise why not (Vietnamese)."""
    status = SubmissionStatus(ctx.submission.status)
    forwarded = ctx.submission.forwarded_at is not None
    if status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED, SubmissionStatus.APPROVED):
        return "Báo cáo không ở trạng thái chờ thẩm định."
    if stage == "intermediate":
        if forwarded:
            return "Báo cáo đã được chuyển lên cấp trên."
        if action == "approve":
            return "Cấp trung gian chỉ tiếp nhận và chuyển lên, không phê duyệt."
        if action == "start_review" and status not in AWAITING_REVIEW:
            return "Báo cáo đang được thẩm định."
        return None
    # issuer
    if _two_level(ctx) and not forwarded:
        return "Báo cáo chờ đơn vị quản lý trực tiếp tiếp nhận trước."
    if action == "forward":
        return "Chỉ cấp trung gian mới chuyển báo cáo lên."
    if action == "start_review" and status == SubmissionStatus.UNDER_REVIEW:
        return "Báo cáo đang được thẩm định."
    return None


def ensure_review(principal: Principal, ctx: Context, action: str) -> str:
    stage = review_stage(principal, ctx)
    if stage is None:
        raise NotAllowed("Bạn không phải người thẩm định của đợt báo cáo này.")
    reason = _review_allowed(action, stage, ctx)
    if reason is not None:
        raise SubmissionStateConflict(reason)
    return stage


async def start_review(session: AsyncSession, principal: Principal, clock: Clock, submission_id: uuid.UUID) -> Context:
    ctx = await load(session, principal, submission_id)
    ensure_review(principal, ctx, "start_review")
    now = clock()
    await _write(session, ctx.submission, ctx.submission.version, status=SubmissionStatus.UNDER_REVIEW.value,
                 updated_at=now)
    await record(session, ctx.submission, principal, "review_started", ctx.target, at=now)
    return ctx


async def return_submission(session: AsyncSession, principal: Principal, events: EventSink, clock: Clock,
                            submission_id: uuid.UUID, data: ReturnRequest) -> Context:
    ctx = await load(session, principal, submission_id)
    ensure_review(principal, ctx, "return")
    now = clock()
    due = data.resubmission_due_at or deadlines.default_resubmission_due(now, ctx.campaign.due_at,
                                                                         ctx.campaign.revision_days)
    if due <= now:
        raise SubmissionStateConflict("Hạn nộp lại phải ở tương lai.")
    reasons = data.reasons.model_dump(exclude_none=True)
    await _write(session, ctx.submission, ctx.submission.version, status=SubmissionStatus.RETURNED.value,
                 return_reasons=reasons, resubmission_due_at=due, forwarded_at=None, updated_at=now)
    await record(session, ctx.submission, principal, "returned", ctx.target, at=now,
            detail={"reasons": reasons, "resubmission_due_at": due.isoformat()})
    await session.flush()
    await events.emit(session, SubmissionReturned.model_validate({**_payload(ctx), "reasons": reasons,
                                                                   "resubmission_due_at": due}))
    return ctx


async def forward(session: AsyncSession, principal: Principal, clock: Clock, submission_id: uuid.UUID,
                  comment: str | None) -> Context:
    ctx = await load(session, principal, submission_id)
    ensure_review(principal, ctx, "forward")
    now = clock()
    await _write(session, ctx.submission, ctx.submission.version, status=SubmissionStatus.FORWARDED.value,
                 forwarded_at=now, updated_at=now)
    await record(session, ctx.submission, principal, "forwarded", ctx.target, at=now,
            detail={"comment": comment} if comment else None)
    return ctx


# A check approval must pass that another feature owns (the signature a campaign may require): given by the caller,
# so the workflow does not import it.
ApprovalGuard = Callable[[AsyncSession, Context], Awaitable[None]]


async def approve(session: AsyncSession, principal: Principal, events: EventSink, clock: Clock,
                  submission_id: uuid.UUID, comment: str | None, *, guard: ApprovalGuard) -> Context:
    ctx = await load(session, principal, submission_id)
    ensure_review(principal, ctx, "approve")
    await guard(session, ctx)
    now = clock()
    await _write(session, ctx.submission, ctx.submission.version, status=SubmissionStatus.APPROVED.value,
                 approved_at=now, updated_at=now)
    await record(session, ctx.submission, principal, "approved", ctx.target, at=now,
            detail={"comment": comment} if comment else None)
    await session.flush()
    await events.emit(session, SubmissionApproved.model_validate({**_payload(ctx), "comment": comment}))
    return ctx


# --- helpers -------------------------------------------------------------------------------------------


def _is_principal_of(principal: Principal, target: CampaignTarget) -> bool:
    return principal.has_any(Role.PRINCIPAL) and principal.unit_id == target.unit_id


def who(principal: Principal) -> str:
    return principal.name or principal.subject


def _payload(ctx: Context) -> dict[str, Any]:
    """The fields every submission event shares, as they are after the step (the state and the deadline that
    applies now)."""
    return {"submission_id": ctx.submission.id, "campaign_id": ctx.campaign.id,
            "campaign_title": ctx.campaign.title, "unit_id": ctx.target.unit_id,
            "unit_name": ctx.target.unit_name, "unit_path": ctx.target.unit_path,
            "status": ctx.submission.status, "unit_due_at": effective_due(ctx),
            "commune_id": ctx.target.commune_id, "commune_name": ctx.target.commune_name,
            "cluster_codes": ctx.target.cluster_codes, "cluster_names": ctx.target.cluster_names,
            "education_levels": ctx.target.education_levels, "unit_type": ctx.target.unit_type}


# Drafts are opened and saved often: the submission's own history keeps those; the audit trail keeps the
# decisions (submit, review, return, approve).
UNAUDITED_ACTIONS = frozenset({"created", "edited"})


async def record(session: AsyncSession, submission: Submission, principal: Principal, action: str,
                  target: CampaignTarget, *, version_number: int | None = None, detail: dict[str, Any] | None = None,
                  on_behalf: bool | None = None, at: datetime | None = None) -> None:
    if on_behalf is None:
        on_behalf = action in ("created", "edited") and principal.unit_id != target.unit_id
    last = await repository.last_event(session, submission.id)
    event = SubmissionEvent(submission_id=submission.id, seq=(last.seq + 1) if last else 1, action=action,
                            actor_id=principal.subject,
                            actor_name=principal.name, actor_unit_id=principal.unit_id, on_behalf=on_behalf,
                            version_number=version_number, detail=detail)
    if at is not None:
        event.at = at
    session.add(event)
    await session.flush()  # the next event's sequence number reads this one
    if action not in UNAUDITED_ACTIONS:
        audit.record(session, action=f"submission.{action}", actor=principal, target_type="submission",
                     target_id=submission.id, unit_id=target.unit_id, unit_path=target.unit_path,
                     after={"status": submission.status},
                     changes={"on_behalf": on_behalf, "version_number": version_number, **(detail or {})})


def submission_read(principal: Principal, ctx: Context, refused: list[ContentError] | None = None) -> SubmissionRead:
    """The submission as the API shows it to `principal`: what it may do next, and the answers a submit would
    refuse while it is editable (`refused`: those not stored at all)."""
    problems = [FieldProblem(field=e.field, message=e.message, section=e.section, saved=False) for e in refused or []]
    if ctx.submission.status in EDITABLE:
        problems += [FieldProblem(field=e.field, message=e.message, section=e.section) for e in content_problems(ctx)]
    return SubmissionRead.model_validate({
        **ctx.submission.model_dump(), "unit_name": ctx.target.unit_name, "unit_code": ctx.target.unit_code,
        "commune_id": ctx.target.commune_id, "due_at": effective_due(ctx), "late_text": late_text(ctx.submission),
        "allowed_actions": allowed_actions(principal, ctx), "problems": problems,
    })


def unit_line_read(line: UnitLine, now: datetime) -> UnitSubmissionRead:
    submission = line.submission
    return UnitSubmissionRead.model_validate({
        "campaign": line.campaign, "unit_id": line.target.unit_id, "unit_name": line.target.unit_name,
        "due_at": line.due_at, "phase": phase(line.campaign, line.due_at, now),
        "submission_id": submission.id if submission else None,
        "status": submission.status if submission else None,
        "version": submission.version if submission else None,
        "first_submitted_at": submission.first_submitted_at if submission else None,
        "last_submitted_at": submission.last_submitted_at if submission else None,
        "late_seconds": submission.late_seconds if submission else None,
        "late_text": late_text(submission) if submission else None,
        "updated_at": submission.updated_at if submission else None,
    }, from_attributes=True)


async def history(session: AsyncSession, principal: Principal, submission_id: uuid.UUID) -> list[SubmissionEvent]:
    ctx = await load(session, principal, submission_id)
    return await repository.events(session, ctx.submission.id)


async def versions(session: AsyncSession, principal: Principal, submission_id: uuid.UUID) -> list[SubmissionVersion]:
    ctx = await load(session, principal, submission_id)
    return await repository.versions(session, ctx.submission.id)


async def version(session: AsyncSession, principal: Principal, submission_id: uuid.UUID,
                  number: int) -> SubmissionVersion:
    ctx = await load(session, principal, submission_id)
    found = await repository.version(session, ctx.submission.id, number)
    if found is None:
        raise SubmissionNotFound(f"Không có phiên bản {number}.")
    return found
