"""Events this service publishes, written to the outbox in the same transaction as the change they report.

Types: campaign.published, campaign.deadline_changed, submission.submitted, submission.returned,
submission.approved. A dispatcher started in the lifespan delivers them to every configured receiver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.outbox import add_event


@dataclass(frozen=True)
class EventSink:
    receivers: tuple[str, ...]

    async def emit(self, session: AsyncSession, event_type: str, payload: dict[str, Any]) -> None:
        if self.receivers:
            add_event(session, event_type=event_type, payload=payload, receivers=self.receivers)
