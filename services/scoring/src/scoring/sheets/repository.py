from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from scoring.sheets.models import CriterionScore, ScoreSheet


async def sheet_for_submission(session: AsyncSession, submission_id: uuid.UUID, *,
                               for_update: bool = False) -> ScoreSheet | None:
    query = select(ScoreSheet).where(col(ScoreSheet.submission_id) == submission_id)
    if for_update:
        query = query.with_for_update()
    found = await session.execute(query)
    return found.scalar_one_or_none()


async def scores(session: AsyncSession, sheet_id: uuid.UUID) -> Sequence[CriterionScore]:
    found = await session.execute(select(CriterionScore).where(col(CriterionScore.sheet_id) == sheet_id))
    return found.scalars().all()


async def sheets_of_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> Sequence[ScoreSheet]:
    found = await session.execute(select(ScoreSheet).where(col(ScoreSheet.campaign_id) == campaign_id)
                                  .order_by(col(ScoreSheet.unit_name)))
    return found.scalars().all()
