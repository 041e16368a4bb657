"""What anyone may read of a school's published results: its level or class, latest first."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.vocabulary import CampaignKind
from scoring.errors import ResultsNotPublished
from scoring.public.schemas import PublicLevel
from scoring.results import repository
from scoring.results.models import PublishedResult


def level(row: PublishedResult) -> PublicLevel:
    return PublicLevel(campaign_title=row.campaign_title, campaign_kind=CampaignKind(row.campaign_kind),
                       school_year=row.school_year, level=row.classification,
                       group_levels=[{"code": g.get("code"), "title": g.get("title"), "level": g.get("level")}
                                     for g in row.group_levels],
                       published_at=row.published_at)


async def published(session: AsyncSession, unit_id: uuid.UUID, kind: str | None) -> list[PublishedResult]:
    """The unit's published results, the latest first (404 `results_not_published` when there is none)."""
    rows = list(await repository.published_of_unit(session, unit_id, campaign_kind=kind))
    if not rows:
        raise ResultsNotPublished("Đơn vị chưa có kết quả được công bố.")
    return rows
