"""Self-scores and review scores: who may score when, what a score must satisfy, and what each side sees.

The submissions service owns the submission's state; every write asks it afresh (so a score can never slip in
after a submit whose event has not arrived yet), and its events keep the sheet's copy current for results.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, prepares_for, reviews_by_grant, reviews_for
from edudx_common.errors import FieldError
from edudx_common.scope import UnitTree, is_in_scope
from edudx_common.tables import audit
from edudx_common.tables.outbox import EventSink
from edudx_common.vocabulary import SubmissionStatus
from scoring.clients.evidence import EvidenceClient, EvidenceInfo
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionInfo, SubmissionsClient
from scoring.errors import EvidenceMissing, InvalidScores, NoRubric, NotAllowed, ScoresLocked, SubmissionNotFound
from scoring.rubrics import service as rubrics
from scoring.rubrics.definition import Criterion, CriterionKind, RubricDefinition
from scoring.rubrics.models import Rubric
from scoring.sheets import export, repository
from scoring.sheets.calculation import Answer, InvalidMark, Mark, SheetOutcome, evaluate, outcome, summary_of
from scoring.sheets.events import ScoresChanged
from scoring.sheets.evidence_codes import evidence_codes_by_criterion
from scoring.sheets.models import CriterionScore, ScoreSheet
from scoring.sheets.schemas import (
    AnswerFields,
    CriterionScoreRead,
    GroupScoreRead,
    ReviewMarkRead,
    ReviewScoreInput,
    ScoreSheetRead,
    SelfMarkRead,
    SelfScoreInput,
)

Clock = Callable[[], datetime]

SELF_EDITABLE = frozenset({"draft", "returned"})
REVIEWABLE = frozenset({"submitted", "under_review", "resubmitted", "forwarded"})


@dataclass(frozen=True)
class Context:
    info: SubmissionInfo
    campaign: CampaignInfo
    rubric: Rubric
    definition: RubricDefinition
    unit_path: str  # the school's place in the tree, for the audit trail
    reviewer: bool = False  # the caller may review-score (when the submission's state allows)
    # The school is in the caller's tree (not only reached through a commune grant, which gives review alone).
    in_scope: bool = True


async def _granted_review(principal: Principal, info: SubmissionInfo, campaign: CampaignInfo, tree: UnitTree) -> bool:
    """The rule submissions applies (`edudx_common.auth.reviews_by_grant`): an official of the school's commune to
    whom a Sở on the campaign issuer's line granted `review`."""
    if info.commune_id is None:
        return False
    above = await tree.ancestor_ids(campaign.issuer_unit_id)
    return reviews_by_grant(principal, info.commune_id, [*(above or []), campaign.issuer_unit_id])


async def load_context(session: AsyncSession, principal: Principal, submission_id: uuid.UUID, *,
                       submissions: SubmissionsClient, tree: UnitTree) -> Context:
    info = await submissions.submission(submission_id)
    in_scope = await is_in_scope(principal, info.unit_id, tree)
    if not in_scope and not principal.commune_grants:
        raise SubmissionNotFound("Không tìm thấy báo cáo trong phạm vi quản lý của bạn.")
    campaign = await submissions.campaign(info.campaign_id)
    granted = await _granted_review(principal, info, campaign, tree)
    if not (in_scope or granted):
        raise SubmissionNotFound("Không tìm thấy báo cáo trong phạm vi quản lý của bạn.")
    if campaign.rubric_id is None:
        raise NoRubric("Đợt báo cáo này không chấm điểm theo bộ tiêu chí.")
    rubric = await rubrics.get_rubric(session, campaign.rubric_id)
    # The path serves the audit trail of a person's change (cached: scope was just checked against the same tree).
    unit_path = "" if principal.is_service else await audit.unit_path_via(tree, info.unit_id)
    return Context(info, campaign, rubric, rubrics.definition_of(rubric), unit_path,
                   reviewer=(in_scope and reviews_for(principal, info.unit_id)) or granted, in_scope=in_scope)


async def ensure_sheet(session: AsyncSession, ctx: Context, *, identity: IdentityClient) -> ScoreSheet:
    """The submission's sheet, created on first use, with the state just read from the submissions service."""
    sheet = await repository.sheet_for_submission(session, ctx.info.id, for_update=True)
    if sheet is None:
        unit = await identity.unit(ctx.info.unit_id)
        sheet = ScoreSheet(submission_id=ctx.info.id, campaign_id=ctx.info.campaign_id, unit_id=ctx.info.unit_id,
                           unit_name=ctx.info.unit_name, unit_path=unit.path if unit else f"/{ctx.info.unit_id.hex}/",
                           rubric_id=ctx.rubric.id, submission_status=ctx.info.status,
                           submit_count=ctx.info.submit_count, status_at=ctx.info.updated_at,
                           issuer_unit_id=ctx.campaign.issuer_unit_id)
        try:
            async with session.begin_nested():
                session.add(sheet)
        except IntegrityError:  # created at the same moment by another request or an event
            found = await repository.sheet_for_submission(session, ctx.info.id, for_update=True)
            assert found is not None
            sheet = found
    if sheet.issuer_unit_id is None:  # stored before sheets carried it (s8b_0001): the listener derives the group
        sheet.issuer_unit_id = ctx.campaign.issuer_unit_id
    if ctx.info.updated_at >= sheet.status_at:
        sheet.submission_status, sheet.submit_count = ctx.info.status, ctx.info.submit_count
        sheet.status_at = ctx.info.updated_at
    return sheet


def _answer(entry: AnswerFields) -> Answer:
    return Answer(points=None if entry.points is None else Decimal(str(entry.points)), passed=entry.passed,
                  item_codes=entry.item_codes, level_code=entry.level_code)


def _marks(definition: RubricDefinition,
           entries: Sequence[AnswerFields]) -> tuple[list[tuple[int, Criterion, Mark]], list[FieldError]]:
    """Every entry checked against its criterion: (index, criterion, mark) of the good ones, and every problem
    of the others, each naming its criterion."""
    criteria = definition.criteria()
    errors: list[FieldError] = []
    marks: list[tuple[int, Criterion, Mark]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        field = f"scores[{index}]"
        found = criteria.get(entry.criterion_code)
        if found is None:
            errors.append(FieldError(field=field, message=f"Bộ tiêu chí không có tiêu chí '{entry.criterion_code}'."))
            continue
        if entry.criterion_code in seen:
            errors.append(FieldError(field=field, message=f"Tiêu chí {entry.criterion_code} được chấm hai lần."))
            continue
        seen.add(entry.criterion_code)
        try:
            marks.append((index, found[1], evaluate(definition, found[1], _answer(entry))))
        except InvalidMark as exc:
            errors.append(FieldError(field=field, message=str(exc)))
    return marks, errors


def _refuse(errors: list[FieldError], *, evidence_only: bool) -> None:
    """One problem naming every criterion at fault (never only the first); nothing is written."""
    if not errors:
        return
    detail = errors[0].message if len(errors) == 1 else f"{len(errors)} tiêu chí chưa lưu được: " + " ".join(
        e.message for e in errors)
    problem = EvidenceMissing if evidence_only else InvalidScores
    raise problem(detail, errors=errors)


def _credits(mark: Mark) -> bool:
    """A mark that claims something, and so needs its evidence: points above 0, or a condition met."""
    return mark.points > 0 or mark.passed is True


def check_evidence(criterion: Criterion, mark: Mark, linked: Sequence[uuid.UUID] | None,
                   items: Sequence[EvidenceInfo]) -> tuple[list[uuid.UUID], str | None]:
    """(the evidence the score rests on, what is wrong with it or None): a required-evidence criterion scored
    without any is wrong, and so is evidence missing the attributes the rubric asks for (e.g. the solution's
    name, built / rented / bought)."""
    by_id = {i.id: i for i in items}
    unknown = [i for i in linked or [] if i not in by_id]
    if unknown:
        return [], f"Tiêu chí {criterion.code}: minh chứng {unknown[0]} không thuộc báo cáo này."
    chosen = [by_id[i] for i in linked] if linked is not None else \
        [i for i in items if criterion.code in i.criterion_codes]
    return [i.id for i in chosen], evidence_fault(criterion, mark, chosen)


def evidence_fault(criterion: Criterion, mark: Mark, chosen: Sequence[EvidenceInfo]) -> str | None:
    """Why the evidence `chosen` does not carry `mark` (Vietnamese), or None when it does."""
    usable = [i for i in chosen if i.usable]
    if not (criterion.evidence_required and _credits(mark)):
        return None
    if not usable:
        expected = f" ({criterion.evidence_expected})" if criterion.evidence_expected else ""
        return (f"Tiêu chí {criterion.code} cần minh chứng{expected} trước khi chấm điểm lớn hơn 0 hoặc chọn đạt. "
                f"Hãy tải lên minh chứng và gắn mã tiêu chí {criterion.code}.")
    if criterion.evidence_attributes and not any(_has_attributes(criterion, i) for i in usable):
        wanted = ", ".join(a.label + (f" ({' / '.join(a.choices)})" if a.choices else "")
                           for a in criterion.evidence_attributes)
        return f"Tiêu chí {criterion.code}: minh chứng phải ghi rõ {wanted}."
    return None


def _has_attributes(criterion: Criterion, item: EvidenceInfo) -> bool:
    return all(item.attributes.get(a.key) and (not a.choices or item.attributes[a.key] in a.choices)
               for a in criterion.evidence_attributes)


async def save_self_scores(session: AsyncSession, principal: Principal, ctx: Context,
                           entries: Sequence[SelfScoreInput], *, identity: IdentityClient, evidence: EvidenceClient,
                           events: EventSink, clock: Clock) -> ScoreSheet:
    if not (ctx.in_scope and prepares_for(principal, ctx.info.unit_id)):
        raise NotAllowed("Chỉ hiệu trưởng, cán bộ phụ trách CNTT của đơn vị (hoặc quản trị đơn vị quản lý) được "
                         "tự chấm điểm.")
    if ctx.info.status not in SELF_EDITABLE:
        raise ScoresLocked("Báo cáo đã nộp: điểm tự chấm chỉ sửa được khi báo cáo là bản nháp hoặc bị trả lại.")
    marks, errors = _marks(ctx.definition, entries)
    errors += [FieldError(field=f"scores[{i}]", message=f"Tiêu chí {c.code} được tính tự động từ kết quả đã công bố "
                                                       "của các đơn vị trực thuộc, không tự chấm.")
               for i, c, _ in marks if c.kind is CriterionKind.COMPUTED]
    marks = [(i, c, m) for i, c, m in marks if c.kind is not CriterionKind.COMPUTED]
    needs_items = any(c.evidence_required or entries[i].evidence_item_ids for i, c, _ in marks)
    items = await evidence.items(ctx.info.id) if needs_items else []
    evidence_ids: list[list[uuid.UUID]] = []
    evidence_errors: list[FieldError] = []
    for index, criterion, mark in marks:
        ids, fault = check_evidence(criterion, mark, entries[index].evidence_item_ids, items)
        evidence_ids.append(ids)
        if fault is not None:
            evidence_errors.append(FieldError(field=f"scores[{index}]", message=fault))
    _refuse(sorted([*errors, *evidence_errors], key=_entry_index), evidence_only=not errors)
    sheet = await ensure_sheet(session, ctx, identity=identity)
    existing = {s.criterion_code: s for s in await repository.scores(session, sheet.id)}
    before = {code: _float(row.self_points) for code, row in existing.items()}
    now = clock()
    for (index, criterion, mark), ids in zip(marks, evidence_ids, strict=True):
        entry = entries[index]
        row = existing.get(criterion.code) or CriterionScore(sheet_id=sheet.id, criterion_code=criterion.code)
        row.self_points, row.self_passed = mark.points, mark.passed
        row.self_items = list(dict.fromkeys(entry.item_codes)) if entry.item_codes is not None else None
        row.self_level_code, row.self_note = entry.level_code, (entry.note or "").strip() or None
        row.evidence_item_ids = [str(i) for i in ids]
        row.self_by, row.self_by_name, row.self_at = principal.subject, principal.name, now
        session.add(row)
    _audit_scores(session, principal, ctx, "score.self_changed", before,
                  {criterion.code: _float(mark.points) for _, criterion, mark in marks})
    sheet.updated_at = now
    await refresh_summary(session, sheet, ctx.definition, events)
    return sheet


def _entry_index(error: FieldError) -> int:
    return int(error.field.removeprefix("scores[").removesuffix("]"))


async def save_review_scores(session: AsyncSession, principal: Principal, ctx: Context,
                             entries: Sequence[ReviewScoreInput], *, identity: IdentityClient,
                             events: EventSink, clock: Clock) -> ScoreSheet:
    if not ctx.reviewer:
        raise NotAllowed("Chỉ chuyên viên thẩm định hoặc quản trị của đơn vị quản lý cấp trên được chấm điểm "
                         "thẩm định.")
    if ctx.info.status not in REVIEWABLE:
        raise ScoresLocked("Chỉ chấm điểm thẩm định khi báo cáo đã nộp và chưa được duyệt.")
    marks, errors = _marks(ctx.definition, entries)
    _refuse(errors, evidence_only=False)
    sheet = await ensure_sheet(session, ctx, identity=identity)
    existing = {s.criterion_code: s for s in await repository.scores(session, sheet.id)}
    if ctx.definition.review_reason_required:
        _refuse(_unexplained_changes(marks, entries, existing), evidence_only=False)
    before = {code: _float(row.review_points) for code, row in existing.items()}
    now = clock()
    for index, criterion, mark in marks:
        entry = entries[index]
        row = existing.get(criterion.code) or CriterionScore(sheet_id=sheet.id, criterion_code=criterion.code)
        row.review_points, row.review_passed = mark.points, mark.passed
        row.review_items = list(dict.fromkeys(entry.item_codes)) if entry.item_codes is not None else None
        row.review_level_code, row.review_comment = entry.level_code, (entry.comment or "").strip() or None
        row.review_by, row.review_by_name, row.review_at = principal.subject, principal.name, now
        session.add(row)
    _audit_scores(session, principal, ctx, "score.review_changed", before,
                  {criterion.code: _float(mark.points) for _, criterion, mark in marks})
    sheet.updated_at = now
    await refresh_summary(session, sheet, ctx.definition, events)
    return sheet


def _unexplained_changes(marks: Sequence[tuple[int, Criterion, Mark]], entries: Sequence[ReviewScoreInput],
                         existing: dict[str, CriterionScore]) -> list[FieldError]:
    """An external assessment records what it changes in the school's self-assessment and why: a review mark
    that differs from the self mark needs its reason (the comment), criterion by criterion."""
    errors = []
    for index, criterion, mark in marks:
        row = existing.get(criterion.code)
        own = Mark(row.self_points or Decimal(0), row.self_passed) if row is not None and row.self_at else None
        if own != mark and not (entries[index].comment or "").strip():
            errors.append(FieldError(field=f"scores[{index}]", message=f"Tiêu chí {criterion.code}: điểm thẩm định "
                                     "khác điểm tự chấm, hãy ghi lý do thay đổi."))
    return errors


def _audit_scores(session: AsyncSession, principal: Principal, ctx: Context, action: str,
                  before: dict[str, float | None], after: dict[str, float | None]) -> None:
    """Points per criterion code that changed (criteria not in this save keep their points)."""
    audit.record(session, action=action, actor=principal, target_type="submission", target_id=ctx.info.id,
                 unit_id=ctx.info.unit_id, unit_path=ctx.unit_path or None,
                 before={code: before.get(code) for code in after}, after=after)


async def refresh_summary(session: AsyncSession, sheet: ScoreSheet, definition: RubricDefinition,
                          events: EventSink | None) -> None:
    """Store the sheet's outcome summary from its current scores (in the transaction that changed them), and tell
    `events`' receivers the totals (`scores.changed`; None: a rewrite that changes no score)."""
    await session.flush()
    scores = await repository.scores(session, sheet.id)
    result = sheet_outcome(definition, scores)
    sheet.summary = summary_of(result)
    sheet.final_total, sheet.classification = result.final_total, result.classification.label
    sheet.level_rank = result.classification.rank
    sheet.self_total, sheet.review_total = result.self_total, result.review_total
    await session.flush()
    if events is not None:
        reviewed = [c.review_mark.points for c in result.criteria if c.review_mark is not None]
        await events.emit(session, ScoresChanged(
            submission_id=sheet.submission_id, self_total=float(result.self_total),
            review_total=float(sum(reviewed, Decimal(0))) if reviewed else None,
            final_total=float(result.final_total)))


# --- completeness ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A criterion the school still has to self-score, or whose score lost the evidence it rests on."""

    code: str
    group_code: str
    text: str
    kind: str  # "unscored" | "evidence"
    message: str


async def self_score_gaps(session: AsyncSession, ctx: Context, *, evidence: EvidenceClient) -> tuple[int, int,
                                                                                                      list[Gap]]:
    """(criteria, self-scored criteria, what is missing), in the rubric's order. Every criterion of the rubric
    needs a self-score before the report goes in; a score that claims points keeps needing its evidence (an item
    may have been deleted, replaced or marked wrong since the save)."""
    sheet = await repository.sheet_for_submission(session, ctx.info.id)
    rows = {s.criterion_code: s for s in await repository.scores(session, sheet.id)} if sheet else {}
    own, _ = marks_of(list(rows.values()))
    needs_items = any(c.evidence_required and code in own and _credits(own[code])
                      for code, (_, c) in ctx.definition.criteria().items())
    items = await evidence.items(ctx.info.id) if needs_items else []
    gaps: list[Gap] = []
    count = 0
    for group in ctx.definition.groups:
        for criterion in group.criteria:
            count += 1
            mark = own.get(criterion.code)
            if mark is None:
                gaps.append(Gap(criterion.code, group.code, criterion.text, "unscored",
                                f"Nhóm {group.code}: chưa tự chấm tiêu chí {criterion.code}"))
                continue
            linked = {uuid.UUID(i) for i in rows[criterion.code].evidence_item_ids}
            chosen = [i for i in items if i.id in linked or criterion.code in i.criterion_codes]
            fault = evidence_fault(criterion, mark, chosen)
            if fault is not None:
                gaps.append(Gap(criterion.code, group.code, criterion.text, "evidence", fault))
    return count, len(own), gaps


# --- reading --------------------------------------------------------------------------------------------------


def marks_of(scores: Sequence[CriterionScore]) -> tuple[dict[str, Mark], dict[str, Mark]]:
    """(self marks, review marks) by criterion code, as stored (points already worked out on save)."""
    own = {s.criterion_code: Mark(s.self_points or Decimal(0), s.self_passed) for s in scores if s.self_at}
    review = {s.criterion_code: Mark(s.review_points or Decimal(0), s.review_passed) for s in scores if s.review_at}
    return own, review


def sheet_outcome(definition: RubricDefinition, scores: Sequence[CriterionScore]) -> SheetOutcome:
    own, review = marks_of(scores)
    return outcome(definition, own, review)


async def stored_outcome(session: AsyncSession, definition: RubricDefinition, sheet_id: uuid.UUID) -> SheetOutcome:
    """A stored sheet's full outcome from its scores."""
    return sheet_outcome(definition, await repository.scores(session, sheet_id))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def sees_review(principal: Principal, unit_id: uuid.UUID, *, published: bool) -> bool:
    """A school sees review scores, the final score and the class only once results are published."""
    return published or principal.unit_id != unit_id or principal.is_system_admin


def to_read(principal: Principal, ctx: Context, scores: Sequence[CriterionScore], *,
            published: bool) -> ScoreSheetRead:
    """The sheet as the caller may see it (`sees_review`; reviewer comments reach the school as soon as the
    submission is returned to it)."""
    unit_id, status = ctx.info.unit_id, ctx.info.status
    reveal = sees_review(principal, unit_id, published=published)
    sees_comments = reveal or status == "returned"
    result = sheet_outcome(ctx.definition, scores)
    rows: Mapping[str, CriterionScore] = {s.criterion_code: s for s in scores}
    criteria = []
    for item in result.criteria:
        _, criterion = ctx.definition.criteria()[item.code]
        row = rows.get(item.code)
        self_read = SelfMarkRead(
            points=_float(row.self_points), passed=row.self_passed, item_codes=row.self_items,
            level_code=row.self_level_code, by_name=row.self_by_name, at=row.self_at, note=row.self_note,
            evidence_item_ids=[uuid.UUID(i) for i in row.evidence_item_ids]) if row and row.self_at else None
        review_read = ReviewMarkRead(
            points=_float(row.review_points) if reveal else None,
            passed=row.review_passed if reveal else None,
            item_codes=row.review_items if reveal else None,
            level_code=row.review_level_code if reveal else None, by_name=row.review_by_name,
            at=row.review_at, comment=row.review_comment) if row and row.review_at and sees_comments else None
        final = item.final_mark if reveal else item.self_mark
        criteria.append(CriterionScoreRead(
            code=item.code, group_code=item.group_code, kind=criterion.kind, max_points=float(item.max_points),
            evidence_required=criterion.evidence_required, self_score=self_read, review=review_read,
            final_points=_float(final.points) if final and criterion.kind is not CriterionKind.MANDATORY else None,
            gap=_float(item.gap) if reveal else None, large_gap=item.large_gap and reveal,
            level=item.level if reveal else None))
    groups = [GroupScoreRead(code=g.code, title=g.title, max_points=float(g.max_points),
                             self_total=float(g.self_total), final_total=float(g.final_total) if reveal else None,
                             level=g.level if reveal else None, failed_conditions=g.failed_conditions)
              for g in result.groups]
    return ScoreSheetRead(
        submission_id=ctx.info.id, campaign_id=ctx.info.campaign_id, unit_id=unit_id, unit_name=ctx.info.unit_name,
        rubric_id=ctx.rubric.id, rubric_title=ctx.rubric.title, mode=ctx.definition.mode,
        submission_status=SubmissionStatus(status),
        can_self_score=ctx.in_scope and prepares_for(principal, unit_id) and status in SELF_EDITABLE,
        can_review=ctx.reviewer and status in REVIEWABLE, results_published=published,
        criteria=criteria, groups=groups, max_total=float(result.max_total), self_total=float(result.self_total),
        self_classification=result.self_classification.label,
        review_total=_float(sum((c.review_mark.points for c in result.criteria if c.review_mark is not None),
                                Decimal(0))) if reveal and result.reviewed_count else None,
        final_total=float(result.final_total) if reveal else None,
        classification=result.classification.label if reveal else None,
        classification_note=result.classification.note if reveal else result.self_classification.note,
        scored_count=result.scored_count, criteria_count=result.criteria_count,
        reviewed_count=result.reviewed_count if reveal else 0,
        gap_total=_float(result.gap_total) if reveal else None, large_gap=result.large_gap and reveal)



# --- what the router serves beyond the scores: the stored scores, the workbook -------------------------------------
# (the router imports only this module and the schemas)

XLSX_MEDIA_TYPE = export.XLSX_MEDIA_TYPE


async def stored_scores(session: AsyncSession, ctx: Context) -> Sequence[CriterionScore]:
    """The submission's criterion scores (none before the sheet exists)."""
    sheet = await repository.sheet_for_submission(session, ctx.info.id)
    return await repository.scores(session, sheet.id) if sheet else []


async def scores_workbook(session: AsyncSession, principal: Principal, ctx: Context, *, evidence: EvidenceClient,
                          published: bool) -> bytes:
    """The score sheet as XLSX in the familiar layout, with what the caller may see (review scores as `to_read`
    shows them) and the catalogue codes of each criterion's evidence; written off the event loop."""
    own, review = marks_of(await stored_scores(session, ctx))
    if not sees_review(principal, ctx.info.unit_id, published=published):
        review = {}
    codes = evidence_codes_by_criterion(await evidence.items(ctx.info.id))
    return await anyio.to_thread.run_sync(lambda: export.unit_xlsx(ctx.definition, outcome(ctx.definition, own, review),
                                                                   ctx.info.unit_name, codes))
