from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from submissions.mirror import service
from submissions.mirror.schemas import SubmissionSyncRead
from submissions.sync import CursorPage, SyncParamsDep, next_cursor

router = APIRouter(tags=["submissions"], responses=PROBLEM_RESPONSES)


@router.get("/campaigns/{campaign_id}/submissions", response_model=CursorPage[SubmissionSyncRead])
async def list_campaign_submissions(
    campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, sync: SyncParamsDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Số bản ghi tối đa mỗi trang")] = 100,
) -> CursorPage[SubmissionSyncRead]:
    """A campaign's submissions in the caller's subtree, for mirroring: ordered by (updated_at, id), filtered by
    `updated_since`, continued by `next_cursor` (null on the last page). See docs/integrations.md."""
    items, total = await service.campaign_submissions(session, principal, campaign_id, sync=sync, limit=limit)
    return CursorPage[SubmissionSyncRead](items=[SubmissionSyncRead.model_validate(s) for s in items], total=total,
                                          limit=limit, offset=0, next_cursor=next_cursor(items, limit))
