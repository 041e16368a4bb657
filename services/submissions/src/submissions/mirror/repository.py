"""The queries a mirror's bulk reads make."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from submissions.campaigns.models import CampaignTarget
from submissions.sync import SyncParams, after_cursor, filter_since
from submissions.workflow.models import Submission


async def campaign_submissions(session: AsyncSession, campaign_id: uuid.UUID, *, path_pattern: str | None,
                               sync: SyncParams, limit: int) -> tuple[list[Submission], int]:
    """The campaign's submissions of units under `path_pattern` (None: all), in (updated_at, id) order."""
    stmt = select(Submission).where(col(Submission.campaign_id) == campaign_id)
    if path_pattern is not None:
        in_subtree = select(col(CampaignTarget.id)).where(col(CampaignTarget.campaign_id) == campaign_id,
                                                          col(CampaignTarget.unit_path).like(path_pattern))
        stmt = stmt.where(col(Submission.target_id).in_(in_subtree))
    stmt = filter_since(stmt, col(Submission.updated_at), sync)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(after_cursor(stmt, col(Submission.updated_at), col(Submission.id), sync)
                                 .limit(limit))
    return list(rows.scalars()), int(total)
