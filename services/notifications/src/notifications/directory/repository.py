"""Every query on the unit contacts cache."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.directory.models import UnitContact
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
