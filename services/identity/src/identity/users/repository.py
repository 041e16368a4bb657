"""Every query on users and their roles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.text import like_pattern
from identity.units.models import Unit
from identity.users.models import User, UserRole


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email.strip().lower()))
    return result.scalar_one_or_none()


async def get_by_emails(session: AsyncSession, emails: Sequence[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    unique = list(dict.fromkeys(emails))
    for start in range(0, len(unique), 500):
        result = await session.execute(select(User).where(col(User.email).in_(unique[start : start + 500])))
        found.update({u.email: u for u in result.scalars()})
    return found


async def roles_of(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    roles: dict[uuid.UUID, list[str]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return roles
    result = await session.execute(
        select(UserRole.user_id, UserRole.role).where(col(UserRole.user_id).in_(list(user_ids))).order_by(UserRole.role)
    )
    for user_id, role in result.all():
        roles[user_id].append(role)
    return roles


async def set_roles(session: AsyncSession, user_id: uuid.UUID, roles: Sequence[str]) -> None:
    await session.execute(delete(UserRole).where(col(UserRole.user_id) == user_id))
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user_id, role=role))
    await session.flush()


async def search(
    session: AsyncSession,
    *,
    root_path: str | None,
    unit_id: uuid.UUID | None = None,
    unit_ids: Sequence[uuid.UUID] | None = None,
    query: str | None = None,
    roles: Sequence[str] = (),
    include_inactive: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[User], int]:
    stmt = select(User).join(Unit, col(Unit.id) == col(User.unit_id))
    if root_path is not None:
        stmt = stmt.where(col(Unit.path).startswith(root_path, autoescape=True))
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    if unit_ids is not None:
        stmt = stmt.where(col(User.unit_id).in_(list(unit_ids)))
    if query:
        pattern = like_pattern(query)
        stmt = stmt.where(col(User.full_name_folded).like(pattern, escape="\\")
                          | col(User.email).like(pattern, escape="\\"))
    if roles:
        stmt = stmt.where(col(User.id).in_(select(UserRole.user_id).where(col(UserRole.role).in_(list(roles)))))
    if not include_inactive:
        stmt = stmt.where(col(User.active).is_(True))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(User.full_name_folded, User.email).limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def move_all(session: AsyncSession, *, from_unit_id: uuid.UUID, to_unit_id: uuid.UUID) -> int:
    result = await session.execute(
        update(User).where(col(User.unit_id) == from_unit_id).values(unit_id=to_unit_id)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
