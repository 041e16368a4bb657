"""Every query on units and their history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import String, cast, func, literal, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.text import like_pattern
from identity.units.models import Unit, UnitChange


async def get(session: AsyncSession, unit_id: uuid.UUID) -> Unit | None:
    return await session.get(Unit, unit_id)


async def get_by_code(session: AsyncSession, code: str) -> Unit | None:
    result = await session.execute(select(Unit).where(Unit.code == code))
    return result.scalar_one_or_none()


async def get_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    unique = list(dict.fromkeys(codes))
    for start in range(0, len(unique), 500):  # keep IN lists within every backend's parameter limit
        chunk = unique[start : start + 500]
        result = await session.execute(select(Unit).where(col(Unit.code).in_(chunk)))
        found.update({u.code: u for u in result.scalars()})
    return found


async def get_many(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Unit]:
    if not ids:
        return []
    result = await session.execute(select(Unit).where(col(Unit.id).in_(list(ids))).order_by(col(Unit.depth)))
    return list(result.scalars())


async def search(
    session: AsyncSession,
    *,
    root_path: str | None,
    query: str | None = None,
    unit_types: Sequence[str] | None = None,
    education_levels: Sequence[str] | None = None,
    parent_id: uuid.UUID | None = None,
    ids: Sequence[uuid.UUID] | None = None,
    include_inactive: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Unit], int]:
    """Units inside `root_path` (None: everywhere) matching the filters, ordered for a tree-like list."""
    stmt = select(Unit)
    if root_path is not None:
        stmt = stmt.where(col(Unit.path).startswith(root_path, autoescape=True))
    if query:
        pattern = like_pattern(query)
        stmt = stmt.where(
            col(Unit.name_folded).like(pattern, escape="\\") | col(Unit.code).ilike(pattern, escape="\\")
        )
    if unit_types:
        stmt = stmt.where(col(Unit.type).in_(list(unit_types)))
    if education_levels:
        # Levels are a JSON list whose text form holds each level quoted; any of the asked levels matches.
        levels_text = cast(Unit.education_levels, String)
        stmt = stmt.where(or_(*(levels_text.like(f'%"{level}"%') for level in education_levels)))
    if parent_id is not None:
        stmt = stmt.where(Unit.parent_id == parent_id)
    if ids is not None:
        stmt = stmt.where(col(Unit.id).in_(list(ids)))
    if not include_inactive:
        stmt = stmt.where(col(Unit.active).is_(True))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    ordered = stmt.order_by(col(Unit.depth), col(Unit.name_folded), col(Unit.code))
    rows = await session.execute(ordered.limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def count_descendants(session: AsyncSession, unit: Unit, *, active_only: bool = True) -> int:
    stmt = select(func.count()).select_from(Unit).where(
        col(Unit.path).startswith(unit.path, autoescape=True), Unit.id != unit.id
    )
    if active_only:
        stmt = stmt.where(col(Unit.active).is_(True))
    return int((await session.execute(stmt)).scalar_one())


async def rewrite_subtree_paths(session: AsyncSession, *, old_prefix: str, new_prefix: str, depth_delta: int) -> None:
    """Move a whole subtree in one statement: replace the path prefix and shift the depth."""
    await session.execute(
        update(Unit)
        .where(col(Unit.path).startswith(old_prefix, autoescape=True))
        .values(
            path=literal(new_prefix) + func.substr(Unit.path, len(old_prefix) + 1),
            depth=Unit.depth + depth_delta,
        )
        .execution_options(synchronize_session=False)
    )


async def active_children(session: AsyncSession, parent_id: uuid.UUID) -> list[Unit]:
    result = await session.execute(select(Unit).where(Unit.parent_id == parent_id, col(Unit.active).is_(True)))
    return list(result.scalars())


async def history(session: AsyncSession, unit_ids: Sequence[uuid.UUID], *, limit: int,
                  offset: int) -> tuple[list[UnitChange], int]:
    base = select(UnitChange).where(col(UnitChange.unit_id).in_(list(unit_ids)))
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(col(UnitChange.at).desc()).limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def merged_into(session: AsyncSession, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Ids of units that were merged, directly or in a chain, into `unit_id`."""
    found: list[uuid.UUID] = []
    frontier = [unit_id]
    while frontier:
        result = await session.execute(select(Unit.id).where(col(Unit.merged_into_id).in_(frontier)))
        frontier = list(result.scalars())
        found.extend(frontier)
    return found


def add_change(session: AsyncSession, change: UnitChange) -> None:
    session.add(change)


async def child_types(session: AsyncSession, unit_id: uuid.UUID) -> set[str]:
    """The distinct types of the unit's direct children (inactive ones too)."""
    result = await session.execute(select(Unit.type).where(Unit.parent_id == unit_id).distinct())
    return set(result.scalars())
