"""Bulk reads for systems that mirror EduDX (a province dashboard, the sector database): see submissions.sync."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from submissions.access import path_pattern, sees_everything
from submissions.campaigns import service as campaigns
from submissions.mirror import repository
from submissions.sync import SyncParams
from submissions.workflow.models import Submission


async def campaign_submissions(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, *,
                               sync: SyncParams, limit: int) -> tuple[list[Submission], int]:
    """A campaign's submissions the caller may see: its unit's and those below it (a school: its own)."""
    await campaigns.get_visible(session, principal, campaign_id)
    if sees_everything(principal):
        pattern = None
    elif principal.unit_id is None:
        return [], 0
    else:
        pattern = path_pattern(principal.unit_id)
    return await repository.campaign_submissions(session, campaign_id, path_pattern=pattern, sync=sync, limit=limit)
