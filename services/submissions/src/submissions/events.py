"""Events this service publishes, written to the outbox in the same transaction as the change they report.

Each type is a model owned by the feature that produces it (`campaigns/events.py`, `workflow/events.py`); their
JSON Schemas are exported to `events/submissions/` by `make openapi`. A dispatcher started in the lifespan
delivers them to every configured receiver.
"""

from __future__ import annotations

from edudx_common.outbox import Event, EventSink
from submissions.campaigns import events as campaign_events
from submissions.review import events as review_events
from submissions.workflow import events as workflow_events

PUBLISHED: tuple[type[Event], ...] = (*campaign_events.PUBLISHED, *workflow_events.PUBLISHED,
                                      *review_events.PUBLISHED)

__all__ = ["PUBLISHED", "EventSink"]
