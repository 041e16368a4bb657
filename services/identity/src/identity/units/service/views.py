"""How units are shown: each with its commune, clusters and former codes; and the tree as it stood on a date."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.units import repository
from identity.units.models import RelationKind, Unit
from identity.units.schemas import UnitRead, UnitRef


async def read_units(session: AsyncSession, units: Sequence[Unit],
                     communes_on: dict[uuid.UUID, uuid.UUID | None] | None = None) -> list[UnitRead]:
    """`UnitRead`s with their commune, clusters and former codes, loaded in three queries for the whole page.

    `communes_on`: the commune of each unit on another date than today (the tree `as_of`)."""
    ids = [u.id for u in units]
    commune_of = {u.id: (communes_on.get(u.id) if communes_on is not None else u.commune_id) for u in units}
    communes = {c.id: c for c in await repository.get_many(session, [c for c in set(commune_of.values()) if c])}
    clusters = await repository.current_clusters(session, ids)
    former = await repository.former_codes(session, ids)
    reads = []
    for unit in units:
        read = UnitRead.model_validate(unit)
        commune_id = commune_of[unit.id]
        commune = communes.get(commune_id) if commune_id else None
        read.commune = UnitRef(id=commune.id, code=commune.code, name=commune.name) if commune else None
        read.clusters = [UnitRef(id=c.id, code=c.code, name=c.name) for c in clusters.get(unit.id, [])]
        read.former_codes = former.get(unit.id, [])
        reads.append(read)
    return reads


async def read_unit(session: AsyncSession, unit: Unit) -> UnitRead:
    return (await read_units(session, [unit]))[0]


class _AsOf:
    """A unit with its place in the tree on a past date: what `UnitRead` reads."""

    def __init__(self, unit: Unit, parent_id: uuid.UUID | None, path: str, day: date) -> None:
        self._unit, self.parent_id, self.path = unit, parent_id, path
        self.depth = path.strip("/").count("/")
        # active then: still active, or stopped only after that day
        self.active = unit.active or (unit.inactive_from is not None and day < unit.inactive_from)
        self.inactive_from = None if self.active else unit.inactive_from

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit, name)


async def tree_on(session: AsyncSession, day: date) -> tuple[dict[uuid.UUID, Any], dict[uuid.UUID, uuid.UUID | None]]:
    """Every unit that existed on `day` with its path as of then, and each one's commune then.

    A unit's parent on a day is its professional relation valid then; a unit without any recorded relation keeps
    today's parent. A unit existed if it was created by then or had a relation valid then."""
    parents_on, related = await repository.relations_on(session, RelationKind.PROFESSIONAL, day)
    communes_on, with_communes = await repository.relations_on(session, RelationKind.ADMINISTRATIVE, day)
    units = {u.id: u for u in await repository.all_units(session)}
    parent: dict[uuid.UUID, uuid.UUID | None] = {}
    for unit in units.values():
        if unit.id in parents_on:
            parent[unit.id] = parents_on[unit.id]
        elif unit.created_at.date() <= day:
            parent[unit.id] = None if unit.id in related else unit.parent_id
    paths: dict[uuid.UUID, str] = {}

    def path_of(unit_id: uuid.UUID, seen: frozenset[uuid.UUID] = frozenset()) -> str:
        if unit_id in paths:
            return paths[unit_id]
        up = parent.get(unit_id)
        prefix = path_of(up, seen | {unit_id}) if up is not None and up in parent and up not in seen else "/"
        paths[unit_id] = f"{prefix}{unit_id.hex}/"
        return paths[unit_id]

    tree = {unit_id: _AsOf(units[unit_id], parent[unit_id], path_of(unit_id), day) for unit_id in parent}
    commune = {unit_id: (communes_on.get(unit_id) if unit_id in with_communes else units[unit_id].commune_id)
               for unit_id in parent}
    return tree, commune
