"""The one query behind the status views: every active target of a campaign with its submission, if any."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from edudx_common.text import like_pattern
from submissions.campaigns.models import CampaignTarget
from submissions.workflow.models import Submission

# Only what the view shows or counts: no ORM objects, no submission content.
COLUMNS: tuple[Any, ...] = (
    col(CampaignTarget.unit_id),
    col(CampaignTarget.unit_code),
    col(CampaignTarget.unit_name),
    col(CampaignTarget.unit_name_folded),
    col(CampaignTarget.unit_type),
    col(CampaignTarget.unit_path),
    col(CampaignTarget.extension_due_at),
    col(Submission.id).label("submission_id"),
    col(Submission.status),
    col(Submission.first_submitted_at),
    col(Submission.last_submitted_at),
    col(Submission.late_seconds),
    col(Submission.resubmission_due_at),
    col(Submission.approved_at),
    col(Submission.updated_at),
)


async def status_rows(session: AsyncSession, campaign_id: uuid.UUID, *, path_patterns: Sequence[str],
                      query: str | None) -> Sequence[Row[Any]]:
    """Active targets whose path matches every pattern, left-joined to their submission.

    With `query`, each row also says whether the unit's folded name or its code matches it (`matches`): the
    roll-up covers every target while the list shows only the matches, from this one result.
    """
    return (await session.execute(status_query(campaign_id, path_patterns=path_patterns, query=query))).all()


def status_query(campaign_id: uuid.UUID, *, path_patterns: Sequence[str], query: str | None) -> Select[Any]:
    columns: list[Any] = list(COLUMNS)
    if query:
        pattern = like_pattern(query)
        columns.append((col(CampaignTarget.unit_name_folded).like(pattern, escape="\\")
                        | col(CampaignTarget.unit_code).ilike(pattern, escape="\\")).label("matches"))
    return (
        select(*columns)
        .select_from(CampaignTarget)
        .outerjoin(Submission, and_(col(Submission.target_id) == col(CampaignTarget.id),
                                    col(Submission.campaign_id) == campaign_id))
        .where(col(CampaignTarget.campaign_id) == campaign_id, col(CampaignTarget.withdrawn_at).is_(None),
               *(col(CampaignTarget.unit_path).like(p) for p in path_patterns))
    )
