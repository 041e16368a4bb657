"""Tree scope: a user acts on its own unit and everything below it, nothing else.

Services other than identity learn a unit's ancestors from identity (cached briefly: units move rarely,
and a move is visible everywhere within `ttl_seconds`).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from cachetools import TTLCache

from edudx_common.auth import Principal
from edudx_common.errors import NotFound
from edudx_common.http import ServiceClient


class UnitTree(Protocol):
    async def ancestor_ids(self, unit_id: uuid.UUID) -> list[uuid.UUID] | None:
        """Ids from the root down to the unit's parent; None when the unit does not exist."""
        ...


async def is_in_scope(principal: Principal, unit_id: uuid.UUID, tree: UnitTree) -> bool:
    if principal.is_system_admin or principal.is_service:
        return True
    if principal.unit_id is None:
        return False
    if principal.unit_id == unit_id:
        return True
    ancestors = await tree.ancestor_ids(unit_id)
    return ancestors is not None and principal.unit_id in ancestors


async def ensure_in_scope(principal: Principal, unit_id: uuid.UUID, tree: UnitTree, *, what: str = "đơn vị") -> None:
    """Raise 404 for a unit outside the caller's subtree: its existence is not the caller's business."""
    if not await is_in_scope(principal, unit_id, tree):
        raise NotFound(f"Không tìm thấy {what} trong phạm vi quản lý của bạn.")


class RemoteUnitTree:
    """Ancestors from identity's API, each kept `ttl_seconds` (at most `max_entries`, least recently used first
    out)."""

    def __init__(self, identity: ServiceClient, *, ttl_seconds: float = 60, max_entries: int = 50_000) -> None:
        self._identity = identity
        self._cache: TTLCache[uuid.UUID, list[uuid.UUID] | None] = TTLCache(maxsize=max_entries, ttl=ttl_seconds)

    def forget(self) -> None:
        """Drop what is kept: a reorganisation (`unit.changed`) moved units, so kept ancestors may be wrong."""
        self._cache.clear()

    async def ancestor_ids(self, unit_id: uuid.UUID) -> list[uuid.UUID] | None:
        if unit_id in self._cache:
            return self._cache[unit_id]
        response, ancestors = await self._identity.get_all(f"/api/identity/units/{unit_id}/ancestors")
        result: list[uuid.UUID] | None
        if response.status_code == 404:
            result = None
        else:
            response.raise_for_status()
            result = [uuid.UUID(u["id"]) for u in ancestors]
        self._cache[unit_id] = result
        return result
