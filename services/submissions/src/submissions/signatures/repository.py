"""Every query on official documents and signed reports."""

from __future__ import annotations

import uuid

from sqlalchemy import select
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
