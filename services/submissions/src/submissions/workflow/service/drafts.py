"""Drafts: opening a unit's submission and saving its answers (the autosave), the most frequent write of all.

On PostgreSQL a save is one statement once this process knows the submission's campaign (`_save_at_once`); the
first save, and any the statement refuses, reads and then writes, and raises the workflow's usual problems.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from edudx_common.auth import PREPARE_ROLES, Principal, Role
from edudx_common.db import new_id
from edudx_common.errors import FieldError
from submissions.access import sees_everything, sees_submission
from submissions.campaigns import repository as campaigns_repository
from submissions.campaigns import service as campaigns_service
from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.errors import InvalidContent, NotAllowed, SubmissionNotFound
from submissions.outlines.schemas import FieldKind, OutlineDefinition
from submissions.outlines.validation import WHITESPACE, ContentError, split_storable, unanswered_required
from submissions.workflow import outline_cache, repository
from submissions.workflow.models import Submission, SubmissionEvent
from submissions.workflow.service import Clock, Context, ensure_can_edit, record, refuse_stale, visible, who

EDIT_COALESCE = timedelta(minutes=15)


async def open_draft(session: AsyncSession, principal: Principal, clock: Clock, campaign_id: uuid.UUID,
                     unit_id: uuid.UUID | None) -> Submission:
    """The unit's submission for the campaign, created as an empty draft on first use."""
    unit_id = unit_id or principal.unit_id
    if unit_id is None:
        raise NotAllowed("Tài khoản chưa gắn với đơn vị nào.")
    campaign = await campaigns_service.get_visible(session, principal, campaign_id)
    target = await campaigns_repository.target(session, campaign.id, unit_id)
    if target is None or not sees_submission(principal, target.unit_path):
        raise SubmissionNotFound("Đơn vị không phải đối tượng của đợt báo cáo này.")
    existing = await repository.for_unit(session, campaign.id, unit_id)
    if existing is not None:
        return existing
    ctx_check = Context(Submission(campaign_id=campaign.id, target_id=target.id, unit_id=unit_id), campaign, target)
    ensure_can_edit(principal, ctx_check, clock())
    submission = Submission(campaign_id=campaign.id, target_id=target.id, unit_id=unit_id,
                            updated_by=who(principal))
    session.add(submission)
    await session.flush()
    await record(session, submission, principal, "created", target)
    return submission


@dataclass(frozen=True)
class SavedDraft:
    """A saved draft and the answers of this save that could not be stored (the stored ones that are wrong
    are in `content_problems`)."""

    ctx: Context
    refused: list[ContentError]


async def save_draft(session: AsyncSession, principal: Principal, clock: Clock, submission_id: uuid.UUID,
                     values: dict[str, Any], base_version: int) -> SavedDraft:
    """Merge `values` into the draft if nobody saved since `base_version`; otherwise 412 and nothing written.
    Wrong answers are stored too (validation blocks only the submit): what was typed is on the server, for the
    next device and the next person, with a message per field.

    The route runs it without a transaction on PostgreSQL (`AutocommitSessionDep`): its one write is a single
    atomic statement, and the read before it is guarded by the compare-and-set on the version. Any other write
    added here would commit on its own: make it part of that statement, or move the route to `SessionDep`.

    On PostgreSQL a save of a draft this process saved before is that one statement alone (`_save_at_once`);
    the first save, and any save it refuses, is the read and the write below."""
    if session.get_bind().dialect.name == "postgresql":
        saved = await _save_at_once(session, principal, clock, submission_id, values, base_version)
        if saved is not None:
            return saved
    found = await repository.for_save(session, submission_id)  # the one read of a save
    if found is None:
        raise SubmissionNotFound()
    submission, target, campaign, last_line = found
    ctx = visible(principal, submission, target, campaign)
    now = clock()
    ensure_can_edit(principal, ctx, now)
    outline = await outline_cache.for_save(session, ctx.campaign)
    if outline is None:
        raise InvalidContent("Đợt báo cáo không có đề cương: chỉ cần nộp minh chứng.")
    _learn_campaign(submission_id, ctx.campaign)
    kept, refused = split_storable(outline, values)
    if values and not kept:
        raise InvalidContent(errors=[FieldError(field=e.field, message=e.message) for e in refused])
    content = {**ctx.submission.content, **kept}
    content = {k: v for k, v in content.items() if v is not None}
    # ... and its one write: the row (compare-and-set on the version) with its history line.
    line = _edit_line(ctx.submission, principal, ctx.target, now, list(kept), last_line)
    if not await repository.save_draft(session, ctx.submission, base_version,
                                       {"content": content, "updated_at": now, "updated_by": who(principal),
                                        "completeness": completeness(outline, content)}, line):
        await refuse_stale(session, ctx.submission)
    return SavedDraft(ctx, refused)


# The campaign (id, version) of submissions saved in this process: a submission never changes campaign, and the
# version says whether the outline kept for it (`outline_cache.OUTLINES`) is still the campaign's. With it a save
# needs no read: `_save_at_once` names the version in its statement, so a campaign edited since makes it miss.
_CAMPAIGN_OF_SUBMISSION: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
_CAMPAIGNS_OF_SUBMISSIONS_KEPT = 50_000  # some 10 MB; emptied when full, each entry costs one read to learn again


def _learn_campaign(submission_id: uuid.UUID, campaign: Campaign) -> None:
    if len(_CAMPAIGN_OF_SUBMISSION) >= _CAMPAIGNS_OF_SUBMISSIONS_KEPT:
        _CAMPAIGN_OF_SUBMISSION.clear()
    _CAMPAIGN_OF_SUBMISSION[submission_id] = (campaign.id, campaign.version)


async def _save_at_once(session: AsyncSession, principal: Principal, clock: Clock, submission_id: uuid.UUID,
                        values: dict[str, Any], base_version: int) -> SavedDraft | None:
    """`save_draft` as one statement (PostgreSQL) that checks what the read was for; None when it cannot be used
    (the submission's campaign or its outline unknown here, nothing of `values` storable) or wrote nothing, and the
    ordinary path is to find out why: it raises the same problems as ever."""
    known = _CAMPAIGN_OF_SUBMISSION.get(submission_id)
    kept_outline = outline_cache.OUTLINES.get(known) if known is not None else None
    if known is None or kept_outline is None:
        return None
    stored_outline, outline = kept_outline
    kept, refused = split_storable(outline, values)
    if values and not kept:
        return None
    now = clock()
    found = await repository.save_draft_at_once(
        session, submission_id, expected_version=base_version, campaign_id=known[0], campaign_version=known[1],
        kept=kept, now=now, updated_by=who(principal), scope=_edit_scope(principal),
        required=_required_answers(known, outline),
        line=repository.EditLine(actor_id=principal.subject, actor_name=principal.name,
                                 actor_unit_id=principal.unit_id, extend_since=now - EDIT_COALESCE,
                                 new_event_id=new_id(), new_detail={"fields": list(kept)[:20], "saves": 1}))
    if found is None:
        return None
    submission, target, campaign = found
    set_committed_value(campaign, "outline", stored_outline)
    return SavedDraft(Context(submission, campaign, target), refused)


def _edit_scope(principal: Principal) -> repository.EditScope:
    """`_visible` and the first check of `_ensure_can_edit` (`prepares_submission`, `acts_for_school`) as what
    the statement checks on the target."""
    return repository.EditScope(unit_id=principal.unit_id, sees_everything=sees_everything(principal),
                                prepares=principal.has_any(*PREPARE_ROLES, Role.AUTHORITY_ADMIN),
                                acts_anywhere=principal.is_system_admin,
                                acts_below=principal.has_any(Role.AUTHORITY_ADMIN))


_REQUIRED_ANSWERS: dict[tuple[uuid.UUID, int], repository.RequiredAnswers] = {}


def _required_answers(campaign: tuple[uuid.UUID, int], outline: OutlineDefinition) -> repository.RequiredAnswers:
    """What `completeness` needs of the outline, for the statement to compute it as `completeness` would."""
    kept = _REQUIRED_ANSWERS.get(campaign)
    if kept is not None:
        return kept
    required = [field for _, field in outline.fields_by_id().values() if field.required]
    count = len(required)
    if len(_REQUIRED_ANSWERS) >= outline_cache.KEPT:
        _REQUIRED_ANSWERS.clear()
    kept = _REQUIRED_ANSWERS[campaign] = repository.RequiredAnswers(
        field_ids=[field.id for field in required],
        min_rows=[(field.min_rows or 0) if field.kind == FieldKind.TABLE else 0 for field in required],
        completeness_by_unanswered=[round(100 * (count - unanswered) / count) if count else 100
                                    for unanswered in range(count + 1)],
        whitespace=WHITESPACE)
    return kept


def completeness(outline: OutlineDefinition, content: dict[str, Any]) -> int:
    """Share of the required fields answered, 0–100 (100 when the outline requires nothing)."""
    required = sum(1 for _, field in outline.fields_by_id().values() if field.required)
    if not required:
        return 100
    return round(100 * (required - unanswered_required(outline, content)) / required)


def _edit_line(submission: Submission, principal: Principal, target: CampaignTarget, now: datetime,
               field_ids: list[str], last: SubmissionEvent | None) -> repository.ExtendLine | SubmissionEvent:
    """Autosave writes often: consecutive saves by one person within 15 minutes are one history line."""
    if (last is not None and last.action == "edited" and last.actor_id == principal.subject
            and now - last.at < EDIT_COALESCE):
        detail = last.detail or {}
        return repository.ExtendLine(last.id, now, {**detail, "saves": int(detail.get("saves", 1)) + 1})
    # Not audited (UNAUDITED_ACTIONS): the history line is the whole record of an edit.
    return SubmissionEvent(id=new_id(), submission_id=submission.id, seq=(last.seq + 1) if last else 1,
                           action="edited", actor_id=principal.subject, actor_name=principal.name,
                           actor_unit_id=principal.unit_id, on_behalf=principal.unit_id != target.unit_id,
                           version_number=None, detail={"fields": field_ids[:20], "saves": 1}, at=now)
