from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from scoring.results.models import CampaignResults, PublishedResult
from scoring.sheets.models import ScoreSheet


class SubmittedSheet(NamedTuple):
    """What results need of a score sheet: its stored summary, never its criterion scores."""

    id: uuid.UUID
    submission_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    unit_path: str
    submission_status: str
    summary: dict[str, Any] | None


async def submitted_sheets(session: AsyncSession, campaign_id: uuid.UUID, *,
                           within: uuid.UUID | None = None) -> list[SubmittedSheet]:
    """The sheets of units that have submitted at least once (drafts never appear in results), as plain
    tuples: tens of thousands of ORM objects would cost more than the rest of the request; `within`: only
    units in that unit's subtree."""
    query = select(*(col(getattr(ScoreSheet, name)) for name in SubmittedSheet._fields)).where(
        col(ScoreSheet.campaign_id) == campaign_id, col(ScoreSheet.submit_count) > 0)
    if within is not None:
        query = query.where(col(ScoreSheet.unit_path).like(f"%/{within.hex}/%"))
    found = await session.execute(query.order_by(col(ScoreSheet.unit_name)))
    return [SubmittedSheet(*row) for row in found]


async def settings(session: AsyncSession, campaign_id: uuid.UUID, *,
                   for_update: bool = False) -> CampaignResults | None:
    query = select(CampaignResults).where(col(CampaignResults.campaign_id) == campaign_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def is_published(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    found = await settings(session, campaign_id)
    return found is not None and found.published_at is not None


async def replace_published(session: AsyncSession, campaign_id: uuid.UUID, rows: Sequence[PublishedResult]) -> None:
    await session.execute(delete(PublishedResult).where(col(PublishedResult.campaign_id) == campaign_id))
    session.add_all(rows)
    await session.flush()


async def published_of_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> Sequence[PublishedResult]:
    found = await session.execute(select(PublishedResult).where(col(PublishedResult.campaign_id) == campaign_id)
                                  .order_by(col(PublishedResult.unit_name)))
    return found.scalars().all()


async def published_of_unit(session: AsyncSession, unit_id: uuid.UUID, *,
                            campaign_kind: str | None = None) -> Sequence[PublishedResult]:
    query = select(PublishedResult).where(col(PublishedResult.unit_id) == unit_id)
    if campaign_kind is not None:
        query = query.where(col(PublishedResult.campaign_kind) == campaign_kind)
    found = await session.execute(query.order_by(col(PublishedResult.published_at).desc()))
    return found.scalars().all()
