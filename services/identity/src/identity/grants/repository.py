"""Queries on the rights granted to commune officials."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from identity.grants.models import CommuneGrant
from identity.units.models import Unit


async def get(session: AsyncSession, grant_id: uuid.UUID) -> CommuneGrant | None:
    return await session.get(CommuneGrant, grant_id)


async def open_grant(session: AsyncSession, *, user_id: uuid.UUID, commune_id: uuid.UUID,
                     issuer_unit_id: uuid.UUID) -> CommuneGrant | None:
    """The grant not revoked for (official, commune, Sở), if any."""
    result = await session.execute(select(CommuneGrant).where(
        CommuneGrant.user_id == user_id, CommuneGrant.commune_id == commune_id,
        CommuneGrant.issuer_unit_id == issuer_unit_id, col(CommuneGrant.revoked_at).is_(None)))
    return result.scalars().first()


async def in_force(session: AsyncSession, *, user_ids: Sequence[uuid.UUID] | None = None,
                   commune_ids: Sequence[uuid.UUID] | None = None, on: date) -> list[CommuneGrant]:
    """Grants not revoked and valid on `on`, of the given officials or communes."""
    stmt = select(CommuneGrant).where(col(CommuneGrant.revoked_at).is_(None), CommuneGrant.valid_from <= on,
                                      or_(col(CommuneGrant.valid_to).is_(None), col(CommuneGrant.valid_to) > on))
    if user_ids is not None:
        stmt = stmt.where(col(CommuneGrant.user_id).in_(list(user_ids)))
    if commune_ids is not None:
        stmt = stmt.where(col(CommuneGrant.commune_id).in_(list(commune_ids)))
    return list((await session.execute(stmt.order_by(col(CommuneGrant.created_at)))).scalars())


async def search(session: AsyncSession, *, issuer_path: str | None, own_commune_id: uuid.UUID | None,
                 commune_ids: Sequence[uuid.UUID] | None, user_id: uuid.UUID | None, include_revoked: bool,
                 limit: int, offset: int) -> tuple[list[CommuneGrant], int]:
    """Grants issued by a unit under `issuer_path` (None: any), or on `own_commune_id` (a commune's own officials
    read theirs), filtered."""
    stmt = select(CommuneGrant)
    if issuer_path is not None:
        issuers = select(Unit.id).where(col(Unit.path).startswith(issuer_path))
        scope = col(CommuneGrant.issuer_unit_id).in_(issuers)
        stmt = stmt.where(or_(scope, col(CommuneGrant.commune_id) == own_commune_id) if own_commune_id else scope)
    if commune_ids:
        stmt = stmt.where(col(CommuneGrant.commune_id).in_(list(commune_ids)))
    if user_id is not None:
        stmt = stmt.where(CommuneGrant.user_id == user_id)
    if not include_revoked:
        stmt = stmt.where(col(CommuneGrant.revoked_at).is_(None))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(col(CommuneGrant.created_at).desc(), col(CommuneGrant.id))
                                 .limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def schools_of_commune_under(session: AsyncSession, commune_id: uuid.UUID, root_path: str) -> int:
    """How many units the commune owns administratively inside the subtree at `root_path`."""
    result = await session.execute(select(func.count()).select_from(Unit).where(
        Unit.commune_id == commune_id, col(Unit.path).startswith(root_path)))
    return int(result.scalar_one())
