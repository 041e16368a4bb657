"""Every query on the unit contacts cache."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.directory.models import ProducerPosition, UnitContact
from notifications.sql import insert_missing
from notifications.sql import upsert as upsert_rows

CHUNK = 500


async def get_many(session: AsyncSession, unit_ids: Iterable[uuid.UUID]) -> list[UnitContact]:
    ids = list(unit_ids)
    found: list[UnitContact] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        result = await session.execute(select(UnitContact).where(col(UnitContact.unit_id).in_(chunk)))
        found += result.scalars().all()
    return found


async def upsert(session: AsyncSession, contacts: Sequence[UnitContact]) -> None:
    await upsert_rows(session, UnitContact, [c.model_dump() for c in contacts], key=["unit_id"])


async def mark_stale(session: AsyncSession, unit_ids: Iterable[uuid.UUID], *, stale_at: datetime) -> None:
    """The next read of these units asks identity again (their `fetched_at` goes back to `stale_at`)."""
    ids = list(unit_ids)
    for start in range(0, len(ids), CHUNK):
        await session.execute(update(UnitContact).where(col(UnitContact.unit_id).in_(ids[start : start + CHUNK]))
                              .values(fetched_at=stale_at).execution_options(synchronize_session=False))


async def position(session: AsyncSession, producer: str) -> int:
    row = await session.get(ProducerPosition, producer)
    return row.position if row else 0


async def advance_position(session: AsyncSession, producer: str, position: int, *, now: datetime) -> None:
    """Record `position` as applied unless a later one already is (events arrive in any order)."""
    await insert_missing(session, ProducerPosition, [{"producer": producer, "position": position, "applied_at": now}],
                         key=["producer"])
    await session.execute(update(ProducerPosition)
                          .where(col(ProducerPosition.producer) == producer, col(ProducerPosition.position) < position)
                          .values(position=position, applied_at=now).execution_options(synchronize_session=False))
