"""Queries on clusters (cụm trường) and their dated members."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from identity.units.models import UnitCluster, UnitClusterMember


async def get(session: AsyncSession, cluster_id: uuid.UUID) -> UnitCluster | None:
    return await session.get(UnitCluster, cluster_id)


async def by_owner_code(session: AsyncSession, owner_id: uuid.UUID, code: str) -> UnitCluster | None:
    result = await session.execute(select(UnitCluster).where(UnitCluster.owner_unit_id == owner_id,
                                                             UnitCluster.code == code))
    return result.scalars().first()


async def of_owners(session: AsyncSession, owner_ids: Sequence[uuid.UUID] | None) -> list[UnitCluster]:
    stmt = select(UnitCluster)
    if owner_ids is not None:
        stmt = stmt.where(col(UnitCluster.owner_unit_id).in_(list(owner_ids)))
    return list((await session.execute(stmt.order_by(col(UnitCluster.code)))).scalars())


async def current_members(session: AsyncSession, cluster_ids: Sequence[uuid.UUID]) -> list[UnitClusterMember]:
    if not cluster_ids:
        return []
    result = await session.execute(select(UnitClusterMember).where(
        col(UnitClusterMember.cluster_id).in_(list(cluster_ids)), col(UnitClusterMember.valid_to).is_(None)))
    return list(result.scalars())
