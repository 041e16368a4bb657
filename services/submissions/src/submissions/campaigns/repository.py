"""Every query on campaigns and their targets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from edudx_common.text import like_pattern
from submissions.campaigns.models import Campaign, CampaignStatus, CampaignTarget
from submissions.sync import SyncParams, after_cursor, filter_since


async def get(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def get_for_update(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign | None:
    result = await session.execute(select(Campaign).where(col(Campaign.id) == campaign_id).with_for_update())
    return result.scalar_one_or_none()


async def search(
    session: AsyncSession,
    *,
    path_pattern: str | None,
    target_unit_id: uuid.UUID | None,
    commune_id: uuid.UUID | None = None,
    query: str | None,
    school_year_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
    sync: SyncParams | None = None,
) -> tuple[list[Campaign], int]:
    """Campaigns issued inside a subtree (`path_pattern`), or published ones targeting units in it (or, with
    `commune_id`, schools of that commune). In sync mode (submissions.sync) ordered by (updated_at, id) after the
    cursor, with no offset."""
    stmt = select(Campaign)
    if path_pattern is not None:
        in_scope: ColumnElement[bool] = col(CampaignTarget.unit_path).like(path_pattern)
        if commune_id is not None:
            in_scope = or_(in_scope, col(CampaignTarget.commune_id) == commune_id)
        targeted = select(col(CampaignTarget.campaign_id)).where(in_scope, col(CampaignTarget.withdrawn_at).is_(None))
        stmt = stmt.where(or_(
            col(Campaign.issuer_path).like(path_pattern),
            (col(Campaign.status) != CampaignStatus.DRAFT.value) & col(Campaign.id).in_(targeted),
        ))
    if target_unit_id is not None:
        targeted_unit = select(col(CampaignTarget.campaign_id)).where(
            col(CampaignTarget.unit_id) == target_unit_id, col(CampaignTarget.withdrawn_at).is_(None))
        stmt = stmt.where(col(Campaign.status) != CampaignStatus.DRAFT.value, col(Campaign.id).in_(targeted_unit))
    if query:
        stmt = stmt.where(col(Campaign.title_folded).like(like_pattern(query), escape="\\"))
    if school_year_id is not None:
        stmt = stmt.where(col(Campaign.school_year_id) == school_year_id)
    if status is not None:
        stmt = stmt.where(col(Campaign.status) == status)
    if sync is not None and sync.active:
        stmt = filter_since(stmt, col(Campaign.updated_at), sync)
        total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = await session.execute(after_cursor(stmt, col(Campaign.updated_at), col(Campaign.id), sync)
                                     .limit(limit))
        return list(rows.scalars()), int(total)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(col(Campaign.due_at).desc()).limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def targets(session: AsyncSession, campaign_id: uuid.UUID, *, include_withdrawn: bool = False,
                  path_pattern: str | None = None, commune_id: uuid.UUID | None = None, query: str | None = None,
                  limit: int | None = None, offset: int = 0) -> tuple[list[CampaignTarget], int]:
    stmt = select(CampaignTarget).where(col(CampaignTarget.campaign_id) == campaign_id)
    if not include_withdrawn:
        stmt = stmt.where(col(CampaignTarget.withdrawn_at).is_(None))
    if path_pattern is not None:
        stmt = stmt.where(col(CampaignTarget.unit_path).like(path_pattern))
    if commune_id is not None:
        stmt = stmt.where(col(CampaignTarget.commune_id) == commune_id)
    if query:
        pattern = like_pattern(query)
        stmt = stmt.where(col(CampaignTarget.unit_name_folded).like(pattern, escape="\\")
                          | col(CampaignTarget.unit_code).ilike(pattern, escape="\\"))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    stmt = stmt.order_by(col(CampaignTarget.unit_name_folded), col(CampaignTarget.unit_code)).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await session.execute(stmt)).scalars()), int(total)


async def target(session: AsyncSession, campaign_id: uuid.UUID, unit_id: uuid.UUID) -> CampaignTarget | None:
    result = await session.execute(select(CampaignTarget).where(
        col(CampaignTarget.campaign_id) == campaign_id, col(CampaignTarget.unit_id) == unit_id))
    return result.scalar_one_or_none()


async def unit_is_targeted_below(session: AsyncSession, campaign_id: uuid.UUID, path_pattern: str) -> bool:
    result = await session.execute(select(col(CampaignTarget.id)).where(
        col(CampaignTarget.campaign_id) == campaign_id, col(CampaignTarget.unit_path).like(path_pattern),
        col(CampaignTarget.withdrawn_at).is_(None)).limit(1))
    return result.first() is not None


async def commune_is_targeted(session: AsyncSession, campaign_id: uuid.UUID, commune_id: uuid.UUID) -> bool:
    """Whether a school of the commune (its administrative owner) is an active target."""
    result = await session.execute(select(col(CampaignTarget.id)).where(
        col(CampaignTarget.campaign_id) == campaign_id, col(CampaignTarget.commune_id) == commune_id,
        col(CampaignTarget.withdrawn_at).is_(None)).limit(1))
    return result.first() is not None


def add_targets(session: AsyncSession, new_targets: Sequence[CampaignTarget]) -> None:
    session.add_all(new_targets)


async def delete(session: AsyncSession, campaign: Campaign) -> None:
    await session.delete(campaign)
    await session.flush()
