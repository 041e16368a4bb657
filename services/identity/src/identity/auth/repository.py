"""Every query on refresh and password tokens."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.db import utcnow
from identity.auth.models import PasswordToken, RefreshToken


async def get_refresh(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    result = await session.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash))
    return result.scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken).where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken).where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def get_password_token(session: AsyncSession, token_hash: str) -> PasswordToken | None:
    result = await session.execute(select(PasswordToken).where(PasswordToken.token_hash == token_hash))
    return result.scalar_one_or_none()


async def expire_password_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    """A newer link makes older ones useless."""
    await session.execute(
        update(PasswordToken).where(col(PasswordToken.user_id) == user_id, col(PasswordToken.used_at).is_(None))
        .values(used_at=utcnow())
    )
