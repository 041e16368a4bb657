"""Every query on units and their history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import String, cast, func, literal, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.text import like_pattern
from identity.units.models import (
    CodeKind,
    Unit,
    UnitChange,
    UnitCluster,
    UnitClusterMember,
    UnitCode,
    UnitRelation,
)


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
    commune_id: uuid.UUID | None = None,
    cluster_id: uuid.UUID | None = None,
    code: str | None = None,
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
    if commune_id is not None:
        stmt = stmt.where(Unit.commune_id == commune_id)
    if cluster_id is not None:
        stmt = stmt.where(col(Unit.id).in_(
            select(UnitClusterMember.unit_id).where(UnitClusterMember.cluster_id == cluster_id,
                                                    col(UnitClusterMember.valid_to).is_(None))))
    if code is not None:
        stmt = stmt.where(or_(col(Unit.code) == code,
                              col(Unit.id).in_(select(UnitCode.unit_id).where(UnitCode.code == code))))
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


# --- codes -------------------------------------------------------------------------------------------------

async def find_by_any_code(session: AsyncSession, code: str) -> Unit | None:
    """The unit whose current or former code is `code` (a code is never reused, so at most one)."""
    unit = await get_by_code(session, code)
    if unit is not None:
        return unit
    owner = (await session.execute(select(UnitCode.unit_id).where(UnitCode.code == code))).scalar_one_or_none()
    return await get(session, owner) if owner is not None else None


async def former_code_owners(session: AsyncSession, codes: Sequence[str]) -> dict[str, uuid.UUID]:
    """Of `codes`, those that are some unit's former code, with that unit."""
    found: dict[str, uuid.UUID] = {}
    unique = list(dict.fromkeys(codes))
    for start in range(0, len(unique), 500):
        result = await session.execute(select(UnitCode.code, UnitCode.unit_id).where(
            col(UnitCode.code).in_(unique[start: start + 500]), UnitCode.kind == CodeKind.FORMER))
        found.update({code: unit_id for code, unit_id in result.all()})
    return found


async def code_used(session: AsyncSession, code: str) -> bool:
    """Whether `code` is or was any unit's code."""
    if await get_by_code(session, code) is not None:
        return True
    return (await session.get(UnitCode, code)) is not None


async def codes_of(session: AsyncSession, unit_id: uuid.UUID) -> list[UnitCode]:
    result = await session.execute(select(UnitCode).where(UnitCode.unit_id == unit_id)
                                   .order_by(col(UnitCode.valid_from)))
    return list(result.scalars())


async def former_codes(session: AsyncSession, unit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {}
    if not unit_ids:
        return found
    result = await session.execute(
        select(UnitCode).where(col(UnitCode.unit_id).in_(list(unit_ids)), UnitCode.kind == CodeKind.FORMER)
        .order_by(col(UnitCode.valid_from), col(UnitCode.code)))
    for row in result.scalars():
        found.setdefault(row.unit_id, []).append(row.code)
    return found


# --- dated relations -----------------------------------------------------------------------------------------

async def relations_of(session: AsyncSession, unit_id: uuid.UUID) -> list[UnitRelation]:
    """A unit's relations, oldest first: a relation ended the day the next one began comes before it (a move on
    the day a relation was made leaves two with the same valid_from)."""
    result = await session.execute(select(UnitRelation).where(UnitRelation.unit_id == unit_id)
                                   .order_by(col(UnitRelation.kind), col(UnitRelation.valid_from),
                                             col(UnitRelation.valid_to).is_(None), col(UnitRelation.valid_to),
                                             col(UnitRelation.id)))
    return list(result.scalars())


async def open_relation(session: AsyncSession, unit_id: uuid.UUID, kind: str) -> UnitRelation | None:
    result = await session.execute(select(UnitRelation).where(
        UnitRelation.unit_id == unit_id, UnitRelation.kind == kind, col(UnitRelation.valid_to).is_(None)))
    return result.scalars().first()


async def has_relations(session: AsyncSession, unit_id: uuid.UUID, kind: str) -> bool:
    result = await session.execute(select(func.count()).select_from(UnitRelation).where(
        UnitRelation.unit_id == unit_id, UnitRelation.kind == kind))
    return int(result.scalar_one()) > 0


async def relations_on(session: AsyncSession, kind: str,
                       day: date) -> tuple[dict[uuid.UUID, uuid.UUID], set[uuid.UUID]]:
    """(unit → related unit valid on `day`, every unit with any relation of this kind)."""
    valid = await session.execute(select(UnitRelation.unit_id, UnitRelation.related_unit_id).where(
        UnitRelation.kind == kind, col(UnitRelation.valid_from) <= day,
        or_(col(UnitRelation.valid_to).is_(None), col(UnitRelation.valid_to) > day)))
    with_any = await session.execute(select(UnitRelation.unit_id).where(UnitRelation.kind == kind).distinct())
    return {row[0]: row[1] for row in valid.all()}, set(with_any.scalars())


async def all_units(session: AsyncSession) -> list[Unit]:
    return list((await session.execute(select(Unit))).scalars())


# --- clusters ------------------------------------------------------------------------------------------------

async def current_clusters(session: AsyncSession,
                           unit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[UnitCluster]]:
    found: dict[uuid.UUID, list[UnitCluster]] = {}
    if not unit_ids:
        return found
    result = await session.execute(
        select(UnitClusterMember.unit_id, UnitCluster)
        .join(UnitCluster, col(UnitCluster.id) == col(UnitClusterMember.cluster_id))
        .where(col(UnitClusterMember.unit_id).in_(list(unit_ids)), col(UnitClusterMember.valid_to).is_(None),
               col(UnitCluster.active).is_(True))
        .order_by(col(UnitCluster.code)))
    for unit_id, cluster in result.all():
        found.setdefault(unit_id, []).append(cluster)
    return found
