from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from edudx_common.auth import CurrentPrincipal, Principal
from edudx_common.db import AutocommitSessionDep, ReadSessionDep, SessionDep
from edudx_common.errors import PROBLEM_RESPONSES, ProblemError
from edudx_common.pagination import Page, PageParamsDep, page_of
from submissions.deps import ClockDep, EventsDep, ScoringDep
from submissions.workflow import service
from submissions.workflow.schemas import (
    ChecklistItem,
    ChecklistKind,
    ChecklistRead,
    DraftUpdate,
    ReviewDecision,
    SubmissionEventRead,
    SubmissionRead,
    SubmissionVersionRead,
    SubmitRequest,
    UnitSubmissionRead,
)
from submissions.workflow.service import drafts

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


def _read(principal: Principal, ctx: service.Context, response: Response,
          refused: list[service.ContentError] | None = None) -> SubmissionRead:
    """The submission, with its version as the `ETag` to send back when saving."""
    response.headers["ETag"] = f'"{ctx.submission.version}"'
    return service.submission_read(principal, ctx, refused)


@router.get("/submissions", response_model=Page[UnitSubmissionRead])
async def list_unit_submissions(
    session: ReadSessionDep, principal: CurrentPrincipal, page: PageParamsDep, clock: ClockDep,
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
    return Page[UnitSubmissionRead](items=[service.unit_line_read(line, now) for line in lines], total=total,
                                    limit=page.limit, offset=page.offset)


@router.post("/campaigns/{campaign_id}/submissions", response_model=SubmissionRead)
async def open_submission(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: ClockDep,
                          response: Response, unit_id: uuid.UUID | None = None) -> SubmissionRead:
    """The caller's unit's submission for the campaign (or `unit_id`'s, for an authority acting for a school),
    created as an empty draft the first time. Its `ETag` is the version to send back when saving."""
    submission = await drafts.open_draft(session, principal, clock, campaign_id, unit_id)
    return _read(principal, await service.load(session, principal, submission.id), response)


@router.get("/submissions/{submission_id}", response_model=SubmissionRead)
async def get_submission(submission_id: uuid.UUID, session: ReadSessionDep, principal: CurrentPrincipal,
                         response: Response) -> SubmissionRead:
    """One submission: the school's own, or one below the caller's unit."""
    return _read(principal, await service.load(session, principal, submission_id), response)


@router.patch("/submissions/{submission_id}", response_model=SubmissionRead,
              responses={412: {"description": "Người khác đã lưu trước"}, 428: {"description": "Thiếu phiên bản"}})
async def save_draft(submission_id: uuid.UUID, body: DraftUpdate, session: AutocommitSessionDep,
                     principal: CurrentPrincipal, clock: ClockDep, response: Response,
                     if_match: Annotated[str | None, Header()] = None) -> SubmissionRead:
    """Save some answers of a draft (autosave-friendly: only the fields sent change; null clears one).
    Send the version you read as `If-Match`; if someone saved since, 412 and nothing is written.
    A wrong answer (a link without https://, a number out of range) is saved all the same and listed in
    `problems` with its field and message (200): only the submit refuses it. Answers that cannot be stored at
    all (a field the outline does not have) are left out and listed with `saved: false`; 422 only when nothing
    of the request could be stored."""
    saved = await drafts.save_draft(session, principal, clock, submission_id, body.values,
                                    _base_version(if_match, body.base_version))
    return _read(principal, saved.ctx, response, saved.refused)


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
    return _read(principal, ctx, response)


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
    return service.submission_read(principal, await service.start_review(session, principal, clock, submission_id))


@router.post("/submissions/{submission_id}/forward", response_model=SubmissionRead)
async def forward_submission(submission_id: uuid.UUID, body: ReviewDecision, session: SessionDep,
                             principal: CurrentPrincipal, clock: ClockDep) -> SubmissionRead:
    """Two-level campaigns: the managing Phòng accepts the school's submission for the issuing Sở."""
    ctx = await service.forward(session, principal, clock, submission_id, body.comment)
    return service.submission_read(principal, ctx)


@router.get("/submissions/{submission_id}/history", response_model=Page[SubmissionEventRead])
async def get_history(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                      page: PageParamsDep) -> Page[SubmissionEventRead]:
    """Who did what and when, oldest first (consecutive autosaves by one person are one line)."""
    return page_of(SubmissionEventRead, await service.history(session, principal, submission_id), page)


@router.get("/submissions/{submission_id}/versions", response_model=Page[SubmissionVersionRead])
async def list_versions(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                        page: PageParamsDep) -> Page[SubmissionVersionRead]:
    """Every submitted version, as submitted, oldest first."""
    return page_of(SubmissionVersionRead, await service.versions(session, principal, submission_id), page)


@router.get("/submissions/{submission_id}/versions/{number}", response_model=SubmissionVersionRead)
async def get_version(submission_id: uuid.UUID, number: int, session: SessionDep,
                      principal: CurrentPrincipal) -> SubmissionVersionRead:
    """One submitted version."""
    return SubmissionVersionRead.model_validate(await service.version(session, principal, submission_id, number))
