from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from edudx_common.auth import CurrentPrincipal, CurrentUser
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from scoring.deps import ClockDep, EventsDep, EvidenceDep, IdentityDep, PublicationDep, SubmissionsDep, UnitTreeDep
from scoring.sheets import service
from scoring.sheets.schemas import (
    CriterionGap,
    GapKind,
    ReviewScoresUpdate,
    ScoreSheetRead,
    SelfScoreCompleteness,
    SelfScoresUpdate,
)

router = APIRouter(prefix="/submissions/{submission_id}", tags=["scores"], responses=PROBLEM_RESPONSES)


async def _read(session: SessionDep, principal: CurrentPrincipal, ctx: service.Context,
                publication: PublicationDep) -> ScoreSheetRead:
    scores = await service.stored_scores(session, ctx)
    published = await publication(session, ctx.info.campaign_id)
    return service.to_read(principal, ctx, scores, published=published)


@router.get("/scores", response_model=ScoreSheetRead)
async def get_scores(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                     submissions: SubmissionsDep, tree: UnitTreeDep, publication: PublicationDep) -> ScoreSheetRead:
    """The submission's score sheet against its campaign's rubric: every criterion with its self-score and
    review score, group subtotals, totals and the class or levels, all computed here. The school sees review
    scores, the final score and the class once the authority publishes the results."""
    ctx = await service.load_context(session, principal, submission_id, submissions=submissions, tree=tree)
    return await _read(session, principal, ctx, publication)


@router.get("/self-scores/completeness", response_model=SelfScoreCompleteness)
async def get_self_score_completeness(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                                      submissions: SubmissionsDep, tree: UnitTreeDep,
                                      evidence: EvidenceDep) -> SelfScoreCompleteness:
    """What the school still has to self-score: every criterion of the rubric without a self-score, and every
    self-score that claims points without the evidence its criterion requires, in the rubric's order. The
    submissions service refuses a submit while this list is not empty; the school's checklist shows it."""
    ctx = await service.load_context(session, principal, submission_id, submissions=submissions, tree=tree)
    count, scored, gaps = await service.self_score_gaps(session, ctx, evidence=evidence)
    return SelfScoreCompleteness(criteria_count=count, scored_count=scored, complete=not gaps,
                                 missing=[CriterionGap(code=g.code, group_code=g.group_code, text=g.text,
                                                       kind=GapKind(g.kind), message=g.message) for g in gaps])


@router.patch("/self-scores", response_model=ScoreSheetRead)
async def save_self_scores(submission_id: uuid.UUID, body: SelfScoresUpdate, session: SessionDep,
                           principal: CurrentUser, submissions: SubmissionsDep, tree: UnitTreeDep,
                           identity: IdentityDep, evidence: EvidenceDep, events: EventsDep,
                           clock: ClockDep, publication: PublicationDep) -> ScoreSheetRead:
    """Self-score one or more criteria (tự chấm) while the submission is a draft or returned: points on the
    criterion's step up to its maximum, the blocks reached, the level, or đạt / chưa đạt for a mandatory
    condition, each with a note and its evidence. A criterion that requires evidence cannot get more than 0
    (or đạt) without an evidence item of this submission for it (422 `evidence_required`). All entries are
    checked first; nothing is saved if one is wrong: 422 `invalid_scores` (or `evidence_required` when only
    evidence is missing) with one error per entry at fault, every criterion at fault named."""
    ctx = await service.load_context(session, principal, submission_id, submissions=submissions, tree=tree)
    await service.save_self_scores(session, principal, ctx, body.scores, identity=identity, evidence=evidence,
                                   events=events, clock=clock)
    return await _read(session, principal, ctx, publication)


@router.patch("/review-scores", response_model=ScoreSheetRead)
async def save_review_scores(submission_id: uuid.UUID, body: ReviewScoresUpdate, session: SessionDep,
                             principal: CurrentUser, submissions: SubmissionsDep, tree: UnitTreeDep,
                             identity: IdentityDep, events: EventsDep, clock: ClockDep,
                             publication: PublicationDep) -> ScoreSheetRead:
    """Review-score criteria (điểm thẩm định) with a comment, by a reviewer or admin of an authority above the
    school, after submission and before approval. The final score of a criterion is its review score."""
    ctx = await service.load_context(session, principal, submission_id, submissions=submissions, tree=tree)
    await service.save_review_scores(session, principal, ctx, body.scores, identity=identity, events=events,
                                     clock=clock)
    return await _read(session, principal, ctx, publication)


@router.get("/scores/export", response_class=Response,
            responses={200: {"content": {service.XLSX_MEDIA_TYPE: {}}}})
async def export_scores(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                        submissions: SubmissionsDep, evidence: EvidenceDep, tree: UnitTreeDep,
                        publication: PublicationDep) -> Response:
    """The score sheet as XLSX in the familiar layout (STT | Nội dung | Điểm chuẩn | Tự chấm | Điểm thẩm định
    | Minh chứng, with the catalogue codes of each criterion's evidence). What the caller may see, as above."""
    ctx = await service.load_context(session, principal, submission_id, submissions=submissions, tree=tree)
    body = await service.scores_workbook(session, principal, ctx, evidence=evidence,
                                         published=await publication(session, ctx.info.campaign_id))
    name = f"Bảng điểm - {ctx.info.unit_name[:100].replace('/', '-')}.xlsx"
    return Response(body, media_type=service.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": content_disposition(name)})
