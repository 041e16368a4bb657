from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from evidence.files.models import EvidenceItem, PendingUpload


async def get(session: AsyncSession, item_id: uuid.UUID) -> EvidenceItem | None:
    return await session.get(EvidenceItem, item_id)


async def by_sha256(session: AsyncSession, submission_id: uuid.UUID, sha256: str) -> EvidenceItem | None:
    result = await session.execute(select(EvidenceItem).where(col(EvidenceItem.submission_id) == submission_id,
                                                              col(EvidenceItem.sha256) == sha256))
    return result.scalars().first()


async def list_for_submission(session: AsyncSession, submission_id: uuid.UUID) -> Sequence[EvidenceItem]:
    result = await session.execute(select(EvidenceItem).where(col(EvidenceItem.submission_id) == submission_id)
                                   .order_by(col(EvidenceItem.created_at), col(EvidenceItem.id)))
    return result.scalars().all()


async def used_bytes(session: AsyncSession, submission_id: uuid.UUID) -> int:
    result = await session.execute(select(func.coalesce(func.sum(col(EvidenceItem.size)), 0))
                                   .where(col(EvidenceItem.submission_id) == submission_id))
    return int(result.scalar_one() or 0)


async def known_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    """Keys an evidence item or a pending upload (its staging object) refers to."""
    result = await session.execute(select(col(EvidenceItem.storage_key)).where(col(EvidenceItem.storage_key).in_(keys)))
    staged = await session.execute(select(col(PendingUpload.staging_key))
                                   .where(col(PendingUpload.staging_key).in_(keys)))
    return {k for k in [*result.scalars().all(), *staged.scalars().all()] if k is not None}


async def pending(session: AsyncSession, upload_id: uuid.UUID) -> PendingUpload | None:
    return await session.get(PendingUpload, upload_id)


async def expired_pending(session: AsyncSession, before: datetime, limit: int) -> Sequence[PendingUpload]:
    result = await session.execute(select(PendingUpload).where(col(PendingUpload.expires_at) < before)
                                   .order_by(col(PendingUpload.expires_at)).limit(limit))
    return result.scalars().all()
