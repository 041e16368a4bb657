"""Queries of reorganisations, and the accounts they affect."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from identity.reorganisations.models import Reorganisation
from identity.users.models import User


async def get(session: AsyncSession, reorganisation_id: uuid.UUID) -> Reorganisation | None:
    return await session.get(Reorganisation, reorganisation_id)


async def get_for_update(session: AsyncSession, reorganisation_id: uuid.UUID) -> Reorganisation | None:
    """Locked until the transaction ends, so two confirmations cannot both apply it (PostgreSQL; SQLite serialises
    writers anyway)."""
    result = await session.execute(select(Reorganisation).where(Reorganisation.id == reorganisation_id)
                                   .with_for_update())
    return result.scalars().first()


async def search(session: AsyncSession, *, scope_path: str | None, status: str | None, limit: int,
                 offset: int) -> tuple[list[Reorganisation], int]:
    stmt = select(Reorganisation)
    if scope_path is not None:
        stmt = stmt.where(col(Reorganisation.scope_path).startswith(scope_path, autoescape=True))
    if status is not None:
        stmt = stmt.where(Reorganisation.status == status)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(col(Reorganisation.created_at).desc()).limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def active_users_of(session: AsyncSession, unit_ids: Sequence[uuid.UUID]) -> list[User]:
    if not unit_ids:
        return []
    result = await session.execute(select(User).where(col(User.unit_id).in_(list(unit_ids)),
                                                      col(User.active).is_(True))
                                   .order_by(col(User.email)))
    return list(result.scalars())
