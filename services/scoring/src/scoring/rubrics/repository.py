from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from scoring.rubrics.models import Rubric


async def get(session: AsyncSession, rubric_id: uuid.UUID) -> Rubric | None:
    return await session.get(Rubric, rubric_id)


async def get_by_template_key(session: AsyncSession, key: str) -> Rubric | None:
    found = await session.execute(select(Rubric).where(col(Rubric.template_key) == key))
    return found.scalar_one_or_none()


async def latest_version(session: AsyncSession, family_id: uuid.UUID) -> int:
    found = await session.execute(select(func.max(Rubric.version)).where(col(Rubric.family_id) == family_id))
    return int(found.scalar_one() or 0)


async def list_latest(session: AsyncSession, *, owner_ids: Collection[uuid.UUID] | None) -> Sequence[Rubric]:
    """The newest version of every rubric owned by one of `owner_ids` or by nobody (None: every rubric)."""
    newest = (select(col(Rubric.family_id), func.max(col(Rubric.version)).label("version"))
              .group_by(col(Rubric.family_id)).subquery())
    query = select(Rubric).join(newest, (col(Rubric.family_id) == newest.c.family_id)
                                & (col(Rubric.version) == newest.c.version))
    if owner_ids is not None:
        query = query.where(or_(col(Rubric.owner_unit_id).is_(None), col(Rubric.owner_unit_id).in_(owner_ids)))
    found = await session.execute(query.order_by(col(Rubric.is_template), col(Rubric.title)))
    return found.scalars().all()


async def list_versions(session: AsyncSession, family_id: uuid.UUID) -> Sequence[Rubric]:
    found = await session.execute(select(Rubric).where(col(Rubric.family_id) == family_id)
                                  .order_by(col(Rubric.version).desc()))
    return found.scalars().all()
