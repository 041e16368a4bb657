"""Every query on calendar feeds."""

from __future__ import annotations

import uuid

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.calendar_feeds.models import CalendarFeed, FeedScope


async def get(session: AsyncSession, feed_id: uuid.UUID) -> CalendarFeed | None:
    return await session.get(CalendarFeed, feed_id)


async def by_token_hash(session: AsyncSession, token_hash: str) -> CalendarFeed | None:
    result = await session.execute(select(CalendarFeed).where(col(CalendarFeed.token_hash) == token_hash,
                                                              col(CalendarFeed.revoked_at).is_(None)))
    return result.scalar_one_or_none()


async def visible(session: AsyncSession, *, user_id: uuid.UUID, unit_id: uuid.UUID | None) -> list[CalendarFeed]:
    """Active feeds the user made or that are theirs, and the unit feeds of their own unit."""
    conditions = [col(CalendarFeed.created_by) == user_id, col(CalendarFeed.user_id) == user_id]
    if unit_id is not None:
        conditions.append((col(CalendarFeed.scope) == FeedScope.UNIT.value) & (col(CalendarFeed.unit_id) == unit_id))
    result = await session.execute(select(CalendarFeed).where(or_(*conditions), col(CalendarFeed.revoked_at).is_(None))
                                   .order_by(col(CalendarFeed.created_at).desc()))
    return list(result.scalars())
