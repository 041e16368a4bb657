"""Every query on refresh and password tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.db import utcnow
from edudx_common.revocation import note_revoked
from identity.auth.models import PasswordHistory, PasswordToken, RefreshToken
from identity.users.models import User


async def get_refresh(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    result = await session.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash))
    return result.scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken).where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    note_revoked(session, [family_id])


async def revoke_all_for_users_of_unit(session: AsyncSession, unit_id: uuid.UUID) -> None:
    users = select(User.id).where(User.unit_id == unit_id)
    revoked = await session.execute(
        update(RefreshToken).where(col(RefreshToken.user_id).in_(users.scalar_subquery()),
                                   col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow()).returning(col(RefreshToken.family_id))
    )
    note_revoked(session, revoked.scalars())


async def revoked_sessions_since(session: AsyncSession, since: datetime) -> list[uuid.UUID]:
    """Sessions (refresh-token families) revoked at or after `since`: their access tokens must stop working."""
    result = await session.execute(
        select(RefreshToken.family_id).where(col(RefreshToken.revoked_at) >= since).distinct()
    )
    return list(result.scalars())


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    revoked = await session.execute(
        update(RefreshToken).where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow()).returning(col(RefreshToken.family_id))
    )
    note_revoked(session, revoked.scalars())


async def get_password_token(session: AsyncSession, token_hash: str) -> PasswordToken | None:
    result = await session.execute(select(PasswordToken).where(PasswordToken.token_hash == token_hash))
    return result.scalar_one_or_none()


async def expire_password_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    """A newer link makes older ones useless."""
    await session.execute(
        update(PasswordToken).where(col(PasswordToken.user_id) == user_id, col(PasswordToken.used_at).is_(None))
        .values(used_at=utcnow())
    )


async def recent_password_hashes(session: AsyncSession, user_id: uuid.UUID, *, limit: int) -> list[str]:
    result = await session.execute(
        select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user_id)
        .order_by(col(PasswordHistory.created_at).desc()).limit(limit)
    )
    return list(result.scalars())


async def remember_password(session: AsyncSession, user_id: uuid.UUID, password_hash: str, *, keep: int) -> None:
    """Add a replaced password to the user's history and forget all but the `keep` newest."""
    session.add(PasswordHistory(user_id=user_id, password_hash=password_hash))
    await session.flush()
    newest = (select(PasswordHistory.id).where(PasswordHistory.user_id == user_id)
              .order_by(col(PasswordHistory.created_at).desc()).limit(max(keep, 0)))
    await session.execute(
        delete(PasswordHistory).where(col(PasswordHistory.user_id) == user_id,
                                      col(PasswordHistory.id).not_in(newest.scalar_subquery()))
    )
