"""Objects without a metadata row are leftovers (a crash between storing and committing): remove old ones.

Only objects older than `older_than` are touched, so an upload between its object and its row is never hit. A
streamed upload is stored at its item's key before it is checked and its row written: an object appears when its
S3 multipart upload completes, with that time as its last-modified (SeaweedFS; a store dating it at the upload's
start would need `older_than` above the longest streamed upload), and the check and the commit follow within
seconds.
Direct uploads: a pending upload whose URL expired more than `older_than` ago is closed (row and staging object
removed); a staging object is kept only while its pending row exists, so one without a row is an orphan too.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.db import utcnow
from evidence.files import repository
from evidence.files.models import PendingUpload
from evidence.storage.base import ObjectStorage

log = logging.getLogger("edudx.evidence.sweeper")
BATCH = 500


async def sweep_orphans(sessions: async_sessionmaker[AsyncSession], storage: ObjectStorage, *,
                        older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Close expired pending uploads, delete objects older than `older_than` that no row refers to; return
    the keys of the objects removed."""
    cutoff = (now or utcnow()) - older_than
    removed = await sweep_expired_uploads(sessions, storage, before=cutoff)
    old = [o.key async for o in storage.list_objects() if o.last_modified is None or o.last_modified < cutoff]
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


async def sweep_expired_uploads(sessions: async_sessionmaker[AsyncSession], storage: ObjectStorage, *,
                                before: datetime) -> list[str]:
    """Remove pending uploads that expired before `before`, and their staging objects (if any)."""
    removed: list[str] = []
    while True:
        async with sessions() as session:
            expired = await repository.expired_pending(session, before, BATCH)
            if not expired:
                return removed
            for pending in expired:
                # A completed upload's staging key holds an empty object (it closed the URL): removed too.
                if await storage.stat(pending.staging_key) is not None:
                    await storage.delete(pending.staging_key)
                    removed.append(pending.staging_key)
            ids = [p.id for p in expired]
            await session.execute(delete(PendingUpload).where(PendingUpload.id.in_(ids)))  # type: ignore[attr-defined]
            await session.commit()
        log.info("closed %d expired direct uploads", len(ids))


async def run_sweeper(sessions: async_sessionmaker[AsyncSession], storage: ObjectStorage, *,
                      older_than: timedelta, interval_seconds: float) -> None:
    while True:
        try:
            await sweep_orphans(sessions, storage, older_than=older_than)
        except Exception:
            log.warning("sweep failed; retrying in %.0f s", interval_seconds, exc_info=True)
        await asyncio.sleep(interval_seconds)
