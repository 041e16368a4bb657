"""Every query on submissions, their versions and their history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from submissions.campaigns.models import Campaign, CampaignStatus, CampaignTarget
from submissions.workflow.models import Submission, SubmissionEvent, SubmissionVersion


async def get(session: AsyncSession, submission_id: uuid.UUID) -> Submission | None:
    return await session.get(Submission, submission_id)


async def for_unit(session: AsyncSession, campaign_id: uuid.UUID, unit_id: uuid.UUID) -> Submission | None:
    result = await session.execute(select(Submission).where(col(Submission.campaign_id) == campaign_id,
                                                            col(Submission.unit_id) == unit_id))
    return result.scalar_one_or_none()


_NOT_ON_DASHBOARD: tuple[Any, ...] = (col(Campaign.outline), col(Campaign.attachments), col(Campaign.instructions),
                                     col(Campaign.target_rule), col(Submission.content), col(Submission.return_reasons))


async def of_unit(session: AsyncSession, unit_id: uuid.UUID, *, path_pattern: str | None,
                  campaign_id: uuid.UUID | None, limit: int,
                  offset: int) -> tuple[list[tuple[CampaignTarget, Campaign, Submission | None]], int]:
    """Every non-draft campaign the unit is (still) a target of, with its submission if opened; latest deadline
    first. `path_pattern` keeps only targets under the caller's unit."""
    stmt = (
        select(CampaignTarget, Campaign, Submission)
        .join(Campaign, col(Campaign.id) == col(CampaignTarget.campaign_id))
        .outerjoin(Submission, col(Submission.target_id) == col(CampaignTarget.id))
        .where(col(CampaignTarget.unit_id) == unit_id, col(CampaignTarget.withdrawn_at).is_(None),
               col(Campaign.status) != CampaignStatus.DRAFT.value)
    )
    if path_pattern is not None:
        stmt = stmt.where(col(CampaignTarget.unit_path).like(path_pattern))
    if campaign_id is not None:
        stmt = stmt.where(col(CampaignTarget.campaign_id) == campaign_id)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    # The dashboard shows none of the large JSON (outline, answers): not read, not decoded, never lazy-loaded.
    page = stmt.options(*(defer(column, raiseload=True) for column in _NOT_ON_DASHBOARD))
    rows = await session.execute(page.order_by(col(Campaign.due_at).desc(), col(Campaign.id)).limit(limit)
                                 .offset(offset))
    return [(target, campaign, submission) for target, campaign, submission in rows.all()], int(total)


async def compare_and_set(session: AsyncSession, submission: Submission, expected_version: int,
                          values: dict[str, Any]) -> bool:
    """Write `values` only if nobody wrote since `expected_version` (one statement: safe under concurrency)."""
    result = await session.execute(
        update(Submission)
        .where(col(Submission.id) == submission.id, col(Submission.version) == expected_version)
        .values(**values, version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(submission)
    return True


async def last_event(session: AsyncSession, submission_id: uuid.UUID) -> SubmissionEvent | None:
    result = await session.execute(select(SubmissionEvent).where(col(SubmissionEvent.submission_id) == submission_id)
                                   .order_by(col(SubmissionEvent.seq).desc()).limit(1))
    return result.scalar_one_or_none()


async def events(session: AsyncSession, submission_id: uuid.UUID) -> list[SubmissionEvent]:
    result = await session.execute(select(SubmissionEvent).where(col(SubmissionEvent.submission_id) == submission_id)
                                   .order_by(col(SubmissionEvent.seq)))
    return list(result.scalars())


async def versions(session: AsyncSession, submission_id: uuid.UUID) -> list[SubmissionVersion]:
    stmt = select(SubmissionVersion).where(col(SubmissionVersion.submission_id) == submission_id)
    result = await session.execute(stmt.order_by(col(SubmissionVersion.number)))
    return list(result.scalars())


async def version(session: AsyncSession, submission_id: uuid.UUID, number: int) -> SubmissionVersion | None:
    result = await session.execute(select(SubmissionVersion).where(
        col(SubmissionVersion.submission_id) == submission_id, col(SubmissionVersion.number) == number))
    return result.scalar_one_or_none()


def touch_event(event: SubmissionEvent, at: datetime) -> None:
    event.at = at
    event.detail = {**(event.detail or {}), "saves": int((event.detail or {}).get("saves", 1)) + 1}
