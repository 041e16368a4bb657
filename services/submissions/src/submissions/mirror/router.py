from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.sync import CursorPage, SyncParams, SyncParamsDep, cursor_page
from submissions.mirror import service
from submissions.mirror.schemas import SubmissionSyncRead

router = APIRouter(tags=["submissions"], responses=PROBLEM_RESPONSES)


@router.get("/campaigns/{campaign_id}/submissions", response_model=CursorPage[SubmissionSyncRead])
async def list_campaign_submissions(
    campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, sync: SyncParamsDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Số bản ghi tối đa mỗi trang")] = 100,
) -> CursorPage[SubmissionSyncRead]:
    """A campaign's submissions in the caller's subtree, for mirroring: ordered by (updated_at, id), filtered by
    `updated_since`, continued by `next_cursor` (null on the last page). See docs/integrations.md."""
    items, total = await service.campaign_submissions(session, principal, campaign_id, sync=sync, limit=limit)
    # Always in sync mode: the first page (no `updated_since`) is everything, in (updated_at, id) order.
    return cursor_page(SubmissionSyncRead, items, total, limit=limit, offset=0,
                       sync=SyncParams(updated_since=sync.updated_since, cursor=sync.cursor, always=True))
