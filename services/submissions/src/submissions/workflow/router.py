from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from edudx_common.auth import CurrentPrincipal, Principal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES, ProblemError
from edudx_common.pagination import Page, PageParamsDep, page_of
from submissions.campaigns.schemas import CampaignSummary
from submissions.deps import ClockDep, EventsDep, ScoringDep
from submissions.outlines.validation import ContentError
from submissions.workflow import repository, service
from submissions.workflow.schemas import (
    ChecklistItem,
    ChecklistKind,
    ChecklistRead,
    DraftUpdate,
    FieldProblem,
    ReviewDecision,
    SubmissionEventRead,
    SubmissionRead,
    SubmissionVersionRead,
    SubmitRequest,
    UnitSubmissionRead,
)

router = APIRouter(tags=["submissions"], responses=PROBLEM_RESPONSES)


class PreconditionRequired(ProblemError):
    status = 428
    code = "version_required"
    title = "Thiếu phiên bản dữ liệu đã đọc"


def _base_version(if_match: str | None, body_version: int | None) -> int:
    """The version the client read: `If-Match: "7"` (or W/"7"), or `base_version` in the body."""
    if if_match:
        try:
            return int(if_match.removeprefix("W/").strip('"'))
        except ValueError as exc:
            raise PreconditionRequired("Tiêu đề If-Match phải là phiên bản, ví dụ \"7\".") from exc
    if body_version is not None:
        return body_version
    raise PreconditionRequired("Gửi phiên bản đã đọc (If-Match hoặc base_version) để không ghi đè người khác.")


def submission_read(principal: Principal, ctx: service.Context, response: Response | None = None,
          refused: list[ContentError] | None = None) -> SubmissionRead:
    if response is not None:
        response.headers["ETag"] = f'"{ctx.submission.version}"'
    editable = ctx.submission.status in service.EDITABLE
    problems = [FieldProblem(field=e.field, message=e.message, section=e.section, saved=False) for e in refused or []]
    if editable:
        problems += [FieldProblem(field=e.field, message=e.message, section=e.section)
                     for e in service.content_problems(ctx)]
    return SubmissionRead.model_validate({
        **ctx.submission.model_dump(), "unit_name": ctx.target.unit_name, "unit_code": ctx.target.unit_code,
        "commune_id": ctx.target.commune_id, "due_at": service.effective_due(ctx),
        "late_text": service.late_text(ctx.submission),
        "allowed_actions": service.allowed_actions(principal, ctx), "problems": problems,
    })


@router.get("/submissions", response_model=Page[UnitSubmissionRead])
async def list_unit_submissions(
    session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep, clock: ClockDep,
    unit_id: Annotated[uuid.UUID | None, Query(description="Mặc định: đơn vị của người gọi")] = None,
    campaign_id: Annotated[uuid.UUID | None, Query(description="Chỉ đợt báo cáo này")] = None,
) -> Page[UnitSubmissionRead]:
    """A unit's work: every published, closed or archived campaign it must answer (not withdrawn), with its
    submission's state when it opened one — the school's dashboard. Latest deadline first. Authority users may
    name a unit below theirs; a unit outside the caller's scope has no lines. `campaign_id` keeps one campaign's
    line (how a link to a campaign finds the school's submission). `phase` says whether the campaign is open
    yet, still open, late-but-accepting, or closed for the unit, by the server's clock."""
    lines, total = await service.list_for_unit(session, principal, page, unit_id, campaign_id)
    now = clock()
    return Page[UnitSubmissionRead](items=[_unit_line(line, now) for line in lines], total=total, limit=page.limit,
                                    offset=page.offset)


def _unit_line(line: service.UnitLine, now: datetime) -> UnitSubmissionRead:
    submission = line.submission
    return UnitSubmissionRead(
        campaign=CampaignSummary.model_validate(line.campaign), unit_id=line.target.unit_id,
        unit_name=line.target.unit_name, due_at=line.due_at, phase=service.phase(line.campaign, line.due_at, now),
        submission_id=submission.id if submission else None,
        status=submission.status if submission else None,  # type: ignore[arg-type]
        version=submission.version if submission else None,
        first_submitted_at=submission.first_submitted_at if submission else None,
        last_submitted_at=submission.last_submitted_at if submission else None,
        late_seconds=submission.late_seconds if submission else None,
        late_text=service.late_text(submission) if submission else None,
        updated_at=submission.updated_at if submission else None,
    )


@router.post("/campaigns/{campaign_id}/submissions", response_model=SubmissionRead)
async def open_submission(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: ClockDep,
                          response: Response, unit_id: uuid.UUID | None = None) -> SubmissionRead:
    """The caller's unit's submission for the campaign (or `unit_id`'s, for an authority acting for a school),
    created as an empty draft the first time. Its `ETag` is the version to send back when saving."""
    submission = await service.open_draft(session, principal, clock, campaign_id, unit_id)
    return submission_read(principal, await service.load(session, principal, submission.id), response)


@router.get("/submissions/{submission_id}", response_model=SubmissionRead)
async def get_submission(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                         response: Response) -> SubmissionRead:
    """One submission: the school's own, or one below the caller's unit."""
    return submission_read(principal, await service.load(session, principal, submission_id), response)


@router.patch("/submissions/{submission_id}", response_model=SubmissionRead,
              responses={412: {"description": "Người khác đã lưu trước"}, 428: {"description": "Thiếu phiên bản"}})
async def save_draft(submission_id: uuid.UUID, body: DraftUpdate, session: SessionDep, principal: CurrentPrincipal,
                     clock: ClockDep, response: Response,
                     if_match: Annotated[str | None, Header()] = None) -> SubmissionRead:
    """Save some answers of a draft (autosave-friendly: only the fields sent change; null clears one).
    Send the version you read as `If-Match`; if someone saved since, 412 and nothing is written.
    A wrong answer (a link without https://, a number out of range) is saved all the same and listed in
    `problems` with its field and message (200): only the submit refuses it. Answers that cannot be stored at
    all (a field the outline does not have) are left out and listed with `saved: false`; 422 only when nothing
    of the request could be stored."""
    saved = await service.save_draft(session, principal, clock, submission_id, body.values,
                                     _base_version(if_match, body.base_version))
    return submission_read(principal, saved.ctx, response, saved.refused)


@router.post("/submissions/{submission_id}/submit", response_model=SubmissionRead,
             responses={412: {"description": "Người khác đã lưu trước"}})
async def submit_submission(submission_id: uuid.UUID, body: SubmitRequest, session: SessionDep,
                            principal: CurrentPrincipal, events: EventsDep, clock: ClockDep, scoring: ScoringDep,
                            response: Response, if_match: Annotated[str | None, Header()] = None) -> SubmissionRead:
    """Submit (principal; or an authority admin for the school, recorded as such). Everything on the checklist
    must be done: required answers, no wrong answer, and with a rubric every criterion self-scored with its
    evidence (asked of the scoring service) — otherwise 422 `incomplete_submission` listing each item, with
    `extra.sections` and `extra.criteria`. The submitted content becomes an immutable version; a late
    submission is flagged with how late, or refused under a hard cut-off."""
    ctx = await service.submit(session, principal, events, clock, scoring, submission_id,
                               _base_version(if_match, body.base_version), body.note)
    return submission_read(principal, ctx, response)


@router.get("/submissions/{submission_id}/checklist", response_model=ChecklistRead)
async def get_checklist(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                        scoring: ScoringDep) -> ChecklistRead:
    """What is still missing before the submit, in the outline's order: required answers not given, answers
    saved but wrong, and with a rubric the criteria not self-scored or whose score lacks its evidence. Each item
    names its section (or criterion) so the SPA can link to it; `ready` is what the submit will find."""
    ctx = await service.load(session, principal, submission_id)
    found = await service.checklist_of(ctx, scoring)
    return ChecklistRead(ready=found.ready, criteria_count=found.criteria_count, scored_count=found.scored_count,
                         items=[ChecklistItem(kind=ChecklistKind(m.kind), field=m.field, message=m.message,
                                              section=m.section, criterion_code=m.criterion_code) for m in found.items])


@router.post("/submissions/{submission_id}/start-review", response_model=SubmissionRead)
async def start_review(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                       clock: ClockDep) -> SubmissionRead:
    """A reviewer takes the submission up."""
    return submission_read(principal, await service.start_review(session, principal, clock, submission_id))


@router.post("/submissions/{submission_id}/forward", response_model=SubmissionRead)
async def forward_submission(submission_id: uuid.UUID, body: ReviewDecision, session: SessionDep,
                             principal: CurrentPrincipal, clock: ClockDep) -> SubmissionRead:
    """Two-level campaigns: the managing Phòng accepts the school's submission for the issuing Sở."""
    return submission_read(principal, await service.forward(session, principal, clock, submission_id, body.comment))


@router.get("/submissions/{submission_id}/history", response_model=Page[SubmissionEventRead])
async def get_history(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                      page: PageParamsDep) -> Page[SubmissionEventRead]:
    """Who did what and when, oldest first (consecutive autosaves by one person are one line)."""
    ctx = await service.load(session, principal, submission_id)
    return page_of(SubmissionEventRead, await repository.events(session, ctx.submission.id), page)


@router.get("/submissions/{submission_id}/versions", response_model=Page[SubmissionVersionRead])
async def list_versions(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                        page: PageParamsDep) -> Page[SubmissionVersionRead]:
    """Every submitted version, as submitted, oldest first."""
    ctx = await service.load(session, principal, submission_id)
    return page_of(SubmissionVersionRead, await repository.versions(session, ctx.submission.id), page)


@router.get("/submissions/{submission_id}/versions/{number}", response_model=SubmissionVersionRead)
async def get_version(submission_id: uuid.UUID, number: int, session: SessionDep,
                      principal: CurrentPrincipal) -> SubmissionVersionRead:
    """One submitted version."""
    ctx = await service.load(session, principal, submission_id)
    version = await repository.version(session, ctx.submission.id, number)
    if version is None:
        raise service.SubmissionNotFound(f"Không có phiên bản {number}.")
    return SubmissionVersionRead.model_validate(version)
