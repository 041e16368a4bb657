"""A user's own feed: nobody reads or marks anybody else's."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.pagination import PageParams
from notifications.errors import FeedItemNotFound
from notifications.feed import repository
from notifications.feed.models import FeedItem


def _user_id(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None  # CurrentPerson: a user token always names its user
    return principal.user_id


async def list_feed(session: AsyncSession, principal: Principal, page: PageParams, *,
                    unread_only: bool) -> tuple[list[FeedItem], int]:
    return await repository.page(session, _user_id(principal), unread_only=unread_only, limit=page.limit,
                                 offset=page.offset)


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    return await repository.unread_count(session, _user_id(principal))


async def mark_read(session: AsyncSession, principal: Principal, item_id: uuid.UUID, *, now: datetime) -> FeedItem:
    item = await repository.get_own(session, _user_id(principal), item_id)
    if item is None:
        raise FeedItemNotFound()
    item.read_at = item.read_at or now
    await session.flush()
    return item


async def mark_unread(session: AsyncSession, principal: Principal, item_id: uuid.UUID) -> FeedItem:
    item = await repository.get_own(session, _user_id(principal), item_id)
    if item is None:
        raise FeedItemNotFound()
    item.read_at = None
    await session.flush()
    return item


async def mark_all_read(session: AsyncSession, principal: Principal, *, now: datetime) -> int:
    return await repository.mark_all_read(session, _user_id(principal), now)
