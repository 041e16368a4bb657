"""Every query on notification preferences."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.preferences.models import NotificationPreference

CHUNK = 1000


async def get(session: AsyncSession, user_id: uuid.UUID) -> NotificationPreference | None:
    return await session.get(NotificationPreference, user_id)


async def get_many(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, NotificationPreference]:
    ids = list(dict.fromkeys(user_ids))
    found: dict[uuid.UUID, NotificationPreference] = {}
    for start in range(0, len(ids), CHUNK):
        result = await session.execute(select(NotificationPreference).where(
            col(NotificationPreference.user_id).in_(ids[start : start + CHUNK])))
        found.update({p.user_id: p for p in result.scalars()})
    return found
