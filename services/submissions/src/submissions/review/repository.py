"""Every query on assignments, declines, score copies and bulk actions."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from submissions.campaigns.models import CampaignTarget
from submissions.review.models import BulkAction, BulkState, ReviewDecline
from submissions.status.models import TargetReview
from submissions.workflow.models import Submission

_AWAITING = ("submitted", "resubmitted", "under_review", "forwarded")


async def review_of(session: AsyncSession, target: CampaignTarget, *, create: bool = True) -> TargetReview | None:
    """The target's review row, created empty on first use."""
    found = await session.get(TargetReview, target.id)
    if found is None and create:
        # Two requests on one school at once (an extension and an assignment) both find no row: the second insert
        # must not fail the request, so the row is inserted if still absent, then read.
        connection = await session.connection()
        insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(TargetReview).values(target_id=target.id, campaign_id=target.campaign_id)
                              .on_conflict_do_nothing(index_elements=["target_id"]))
        found = await session.get(TargetReview, target.id, populate_existing=True)
    return found


async def targets_by_unit(session: AsyncSession, campaign_id: uuid.UUID,
                          unit_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, tuple[CampaignTarget, Submission | None]]:
    rows = (await session.execute(
        select(CampaignTarget, Submission)
        .outerjoin(Submission, col(Submission.target_id) == col(CampaignTarget.id))
        .where(col(CampaignTarget.campaign_id) == campaign_id, col(CampaignTarget.unit_id).in_(list(unit_ids)),
               col(CampaignTarget.withdrawn_at).is_(None)))).all()
    return {target.unit_id: (target, submission) for target, submission in rows}


async def declined_by(session: AsyncSession, target_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """Who declined each of these targets."""
    found: dict[uuid.UUID, set[str]] = {}
    if not target_ids:
        return found
    rows = await session.execute(select(col(ReviewDecline.target_id), col(ReviewDecline.reviewer_id))
                                 .where(col(ReviewDecline.target_id).in_(list(target_ids))))
    for target_id, reviewer_id in rows.all():
        found.setdefault(target_id, set()).add(reviewer_id)
    return found


async def has_declined(session: AsyncSession, target_id: uuid.UUID, reviewer_id: str) -> bool:
    return reviewer_id in (await declined_by(session, [target_id])).get(target_id, set())


async def load_by_reviewer(session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, int]:
    """Submissions still waiting for a decision, by assigned reviewer: the load automatic assignment balances."""
    rows = await session.execute(
        select(col(TargetReview.reviewer_id), func.count())
        .join(Submission, col(Submission.target_id) == col(TargetReview.target_id))
        .where(col(TargetReview.campaign_id) == campaign_id, col(TargetReview.reviewer_id).is_not(None),
               col(Submission.status).in_(_AWAITING))
        .group_by(col(TargetReview.reviewer_id)))
    return {str(reviewer_id): int(count) for reviewer_id, count in rows.all()}


async def set_scores(session: AsyncSession, target: CampaignTarget, *, self_score: float | None,
                     review_score: float | None, final_score: float | None, at: datetime) -> None:
    review = await review_of(session, target)
    assert review is not None
    if review.scores_at is not None and review.scores_at > at:
        return  # an older figure than the one we keep
    review.self_score, review.review_score, review.final_score = self_score, review_score, final_score
    review.scores_at = at
    await session.flush()


async def target_of_submission(session: AsyncSession, submission_id: uuid.UUID) -> CampaignTarget | None:
    result = await session.execute(select(CampaignTarget)
                                   .join(Submission, col(Submission.target_id) == col(CampaignTarget.id))
                                   .where(col(Submission.id) == submission_id))
    return result.scalar_one_or_none()


async def bulk_action(session: AsyncSession, action_id: uuid.UUID, *, lock: bool = False) -> BulkAction | None:
    stmt = select(BulkAction).where(col(BulkAction.id) == action_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def due_bulk_actions(session: AsyncSession, now: datetime, limit: int = 20) -> Sequence[uuid.UUID]:
    result = await session.execute(
        select(col(BulkAction.id)).where(and_(col(BulkAction.state) == BulkState.SCHEDULED.value,
                                              col(BulkAction.run_after) <= now))
        .order_by(col(BulkAction.run_after)).limit(limit))
    return list(result.scalars())
