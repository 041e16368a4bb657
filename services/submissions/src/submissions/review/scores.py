"""The board's copy of each school's totals, kept from scoring's `scores.changed` events.

The board sorts and filters 1,000+ schools by self, review and final score in one SQL query, so the totals
must be in this service's database: scoring publishes them whenever a sheet changes, and each approval refreshes
them from the sheet it just read. Older figures than the ones kept are ignored (events come in any order).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.tables.inbox import EventEnvelope
from edudx_common.tables.outbox import ConsumedEvent
from submissions.review import repository


class ScoresChangedIn(ConsumedEvent):
    event_type: ClassVar[str] = "scores.changed"
    submission_id: uuid.UUID
    self_total: float | None
    review_total: float | None
    final_total: float | None


async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Apply one event; other types are accepted and ignored."""
    if envelope.type != ScoresChangedIn.event_type:
        return
    event = ScoresChangedIn.model_validate(envelope.payload)
    target = await repository.target_of_submission(session, event.submission_id)
    if target is None:
        return  # a submission deleted with its campaign draft
    at: AwareDatetime = envelope.occurred_at
    await repository.set_scores(session, target, self_score=event.self_total, review_score=event.review_total,
                                final_score=event.final_total, at=at)
