"""Every query on integration clients."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.pagination import PageParams
from identity.integrations.models import IntegrationClient
from identity.units.models import Unit


async def get(session: AsyncSession, client_pk: uuid.UUID) -> IntegrationClient | None:
    return await session.get(IntegrationClient, client_pk)


async def get_by_client_id(session: AsyncSession, client_id: str) -> IntegrationClient | None:
    result = await session.execute(select(IntegrationClient).where(IntegrationClient.client_id == client_id))
    return result.scalar_one_or_none()


async def list_under(session: AsyncSession, root_path: str | None, page: PageParams, *,
                     unit_id: uuid.UUID | None) -> tuple[list[IntegrationClient], int]:
    """Clients of units under `root_path` (None: every unit), newest first."""
    query = select(IntegrationClient).join(Unit, col(Unit.id) == col(IntegrationClient.unit_id))
    if root_path is not None:
        query = query.where(col(Unit.path).startswith(root_path))
    if unit_id is not None:
        query = query.where(col(IntegrationClient.unit_id) == unit_id)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(col(IntegrationClient.created_at).desc(), col(IntegrationClient.id))
                                 .limit(page.limit).offset(page.offset))
    return list(rows.scalars()), int(total)


async def revoked_since(session: AsyncSession, since: datetime) -> list[uuid.UUID]:
    result = await session.execute(select(IntegrationClient.id).where(col(IntegrationClient.revoked_at) >= since))
    return list(result.scalars())
