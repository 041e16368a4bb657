from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, literal, select, update
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


async def unit_has_sheets(session: AsyncSession, unit_id: uuid.UUID) -> bool:
    found = await session.execute(select(col(ScoreSheet.id)).where(col(ScoreSheet.unit_id) == unit_id).limit(1))
    return found.first() is not None


async def sheets_under(session: AsyncSession, path: str) -> Sequence[ScoreSheet]:
    """The sheets of the units at `path` or below it, locked for the update that follows."""
    found = await session.execute(select(ScoreSheet).where(col(ScoreSheet.unit_path).startswith(path, autoescape=True))
                                  .with_for_update())
    return found.scalars().all()


async def move_paths(session: AsyncSession, former: str, new: str) -> None:
    """Every sheet under `former` takes the same place under `new`: one UPDATE, whatever the number of sheets."""
    path = col(ScoreSheet.unit_path)
    await session.execute(update(ScoreSheet).where(path.startswith(former, autoescape=True))
                          .values(unit_path=literal(new) + func.substr(path, len(former) + 1))
                          .execution_options(synchronize_session=False))
