"""Every query on webhook subscriptions and deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.pagination import PageParams
from notifications.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription


async def get(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription | None:
    return await session.get(WebhookSubscription, subscription_id)


async def get_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    return await session.get(WebhookDelivery, delivery_id)


async def any_enabled(session: AsyncSession) -> bool:
    found = await session.execute(select(WebhookSubscription.id).where(col(WebhookSubscription.enabled)).limit(1))
    return found.first() is not None


async def enabled_for_units(session: AsyncSession, unit_ids: Iterable[uuid.UUID]) -> list[WebhookSubscription]:
    result = await session.execute(select(WebhookSubscription).where(
        col(WebhookSubscription.enabled), col(WebhookSubscription.unit_id).in_(list(unit_ids))))
    return list(result.scalars())


async def list_for_units(session: AsyncSession, unit_ids: list[uuid.UUID] | None,
                         page: PageParams) -> tuple[list[WebhookSubscription], int]:
    query = select(WebhookSubscription)
    if unit_ids is not None:
        query = query.where(col(WebhookSubscription.unit_id).in_(unit_ids))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(col(WebhookSubscription.created_at).desc(),
                                                col(WebhookSubscription.id)).limit(page.limit).offset(page.offset))
    return list(rows.scalars()), int(total)


async def list_deliveries(session: AsyncSession, subscription_id: uuid.UUID,
                          page: PageParams) -> tuple[list[WebhookDelivery], int]:
    query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id))
                                 .limit(page.limit).offset(page.offset))
    return list(rows.scalars()), int(total)


async def purge_deliveries(session: AsyncSession, *, older_than: datetime) -> int:
    """Delete the log of deliveries delivered or given up and created before `older_than`; waiting ones stay."""
    result = await session.execute(delete(WebhookDelivery).where(
        col(WebhookDelivery.created_at) < older_than,
        col(WebhookDelivery.status).in_([WebhookDeliveryStatus.DELIVERED.value, WebhookDeliveryStatus.FAILED.value])))
    return int(result.rowcount)  # type: ignore[attr-defined]
