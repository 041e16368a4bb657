"""Objects without a metadata row are leftovers (a crash between storing and committing): remove old ones.

Only objects older than `older_than` are touched, so an upload between its object and its row is never hit.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.db import utcnow
from evidence.files import repository
from evidence.storage.base import ObjectStorage

log = logging.getLogger("edudx.evidence.sweeper")
BATCH = 500


async def sweep_orphans(sessions: async_sessionmaker[AsyncSession], storage: ObjectStorage, *,
                        older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Delete objects older than `older_than` that no row refers to; return their keys."""
    cutoff = (now or utcnow()) - older_than
    old = [o.key async for o in storage.list_objects() if o.last_modified is None or o.last_modified < cutoff]
    removed: list[str] = []
    for start in range(0, len(old), BATCH):
        batch = old[start : start + BATCH]
        async with sessions() as session:
            known = await repository.known_keys(session, batch)
        for key in batch:
            if key not in known:
                await storage.delete(key)
                removed.append(key)
    if removed:
        log.info("removed %d orphaned objects", len(removed))
    return removed


async def run_sweeper(sessions: async_sessionmaker[AsyncSession], storage: ObjectStorage, *,
                      older_than: timedelta, interval_seconds: float) -> None:
    while True:
        try:
            await sweep_orphans(sessions, storage, older_than=older_than)
        except Exception:
            log.warning("sweep failed; retrying in %.0f s", interval_seconds, exc_info=True)
        await asyncio.sleep(interval_seconds)
