"""Campaign outlines by (campaign, version), as stored and parsed, kept per process.

Every autosave checks its values against the campaign's outline, and parsing its JSON each time cost more than the
check; the save does not even read it (`repository.for_save`). A campaign's version changes with any edit of it, so
a kept outline is never out of date: an edited campaign is another key.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from submissions.campaigns.models import Campaign
from submissions.errors import SubmissionStateConflict
from submissions.outlines.schemas import OutlineDefinition
from submissions.workflow import repository

OUTLINES: dict[tuple[uuid.UUID, int], tuple[dict[str, Any], OutlineDefinition]] = {}
KEPT = 256


def outline(campaign: Campaign) -> OutlineDefinition | None:
    kept = OUTLINES.get((campaign.id, campaign.version))
    if kept is not None:
        return kept[1]
    if not campaign.outline:
        return None
    return keep(campaign, campaign.outline)


def keep(campaign: Campaign, stored: dict[str, Any]) -> OutlineDefinition:
    parsed = OutlineDefinition.model_validate(stored)
    if len(OUTLINES) >= KEPT:
        del OUTLINES[next(iter(OUTLINES))]  # the oldest
    OUTLINES[(campaign.id, campaign.version)] = (stored, parsed)
    return parsed


async def for_save(session: AsyncSession, campaign: Campaign) -> OutlineDefinition | None:
    """The outline of a campaign read without it (`repository.for_save`), from the kept copy or else the database;
    either way set on `campaign` too, so that whatever reads `campaign.outline` later finds it."""
    kept = OUTLINES.get((campaign.id, campaign.version))
    if kept is not None:
        set_committed_value(campaign, "outline", kept[0])
        return kept[1]
    found, stored = await repository.outline_of_version(session, campaign)
    if not found:
        raise SubmissionStateConflict("Đợt báo cáo vừa được cập nhật. Hãy lưu lại.")
    set_committed_value(campaign, "outline", stored)
    return keep(campaign, stored) if stored else None
