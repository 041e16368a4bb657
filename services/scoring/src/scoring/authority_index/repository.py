from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from scoring.results.models import PublishedResult
from scoring.sheets.models import ScoreSheet


async def published_below(session: AsyncSession, authority_id: uuid.UUID, *,
                          campaign_kind: str | None) -> Sequence[PublishedResult]:
    """Every published result of a unit below the authority (its place read from the unit's score sheet in that
    campaign), newest publication first."""
    query = (select(PublishedResult)
             .join(ScoreSheet, and_(col(ScoreSheet.campaign_id) == col(PublishedResult.campaign_id),
                                    col(ScoreSheet.unit_id) == col(PublishedResult.unit_id)))
             .where(col(ScoreSheet.unit_path).like(f"%/{authority_id.hex}/%"),
                    col(PublishedResult.unit_id) != authority_id))
    if campaign_kind is not None:
        query = query.where(col(PublishedResult.campaign_kind) == campaign_kind)
    found = await session.execute(query.order_by(col(PublishedResult.published_at).desc(),
                                                 col(PublishedResult.unit_name)))
    return found.scalars().all()
