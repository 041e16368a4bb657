"""Every query on official documents and signed reports."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from submissions.signatures.models import OfficialDocument, SignedReport


async def official(session: AsyncSession, submission_id: uuid.UUID, version_number: int) -> OfficialDocument | None:
    result = await session.execute(select(OfficialDocument).where(
        col(OfficialDocument.submission_id) == submission_id,
        col(OfficialDocument.version_number) == version_number))
    return result.scalar_one_or_none()


async def officials(session: AsyncSession, submission_id: uuid.UUID) -> dict[int, bytes]:
    result = await session.execute(select(col(OfficialDocument.version_number), col(OfficialDocument.content)).where(
        col(OfficialDocument.submission_id) == submission_id))
    return {number: content for number, content in result.all()}


async def latest_signed(session: AsyncSession, submission_id: uuid.UUID, *,
                        with_content: bool = False) -> SignedReport | None:
    query = (select(SignedReport).where(col(SignedReport.submission_id) == submission_id)
             .order_by(col(SignedReport.version_number).desc(), col(SignedReport.uploaded_at).desc()).limit(1))
    if not with_content:
        query = query.options(defer(SignedReport.content))  # type: ignore[arg-type]
    return (await session.execute(query)).scalar_one_or_none()


# asyncpg sends at most 32,767 parameters in one PostgreSQL statement: an export of a national campaign (50,000
# targets) asks about more submissions than that, so they are asked about in batches.
IDS_PER_STATEMENT = 10_000


async def signed_versions(session: AsyncSession, submission_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The highest signed version of each submission that has one."""
    ids = list(submission_ids)
    found: dict[uuid.UUID, int] = {}
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        result = await session.execute(
            select(col(SignedReport.submission_id), func.max(col(SignedReport.version_number)))
            .where(col(SignedReport.submission_id).in_(ids[start:start + IDS_PER_STATEMENT]))
            .group_by(col(SignedReport.submission_id)))
        found.update({submission_id: number for submission_id, number in result.all()})
    return found
