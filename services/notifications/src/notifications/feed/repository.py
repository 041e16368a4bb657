"""Every query on feed items."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.feed.models import FeedItem


async def page(session: AsyncSession, user_id: uuid.UUID, *, unread_only: bool, limit: int,
               offset: int) -> tuple[list[FeedItem], int]:
    statement = select(FeedItem).where(col(FeedItem.user_id) == user_id)
    if unread_only:
        statement = statement.where(col(FeedItem.read_at).is_(None))
    total = (await session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    rows = await session.execute(statement.order_by(col(FeedItem.created_at).desc(), col(FeedItem.id))
                                 .limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    statement = select(func.count()).where(col(FeedItem.user_id) == user_id, col(FeedItem.read_at).is_(None))
    return int((await session.execute(statement)).scalar_one())


async def get_own(session: AsyncSession, user_id: uuid.UUID, item_id: uuid.UUID) -> FeedItem | None:
    result = await session.execute(select(FeedItem).where(col(FeedItem.id) == item_id,
                                                          col(FeedItem.user_id) == user_id))
    return result.scalar_one_or_none()


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    result = await session.execute(update(FeedItem)
                                   .where(col(FeedItem.user_id) == user_id, col(FeedItem.read_at).is_(None))
                                   .values(read_at=now).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
