"""Events this service publishes, written to the outbox in the same transaction as the change they report, and
the ones it reads.

Out: each type is a model owned by the feature that produces it (`campaigns/events.py`, `workflow/events.py`);
their JSON Schemas are exported to `events/submissions/` by `make openapi`. A dispatcher started in the lifespan
delivers them to every configured receiver. In: identity's `unit.changed` (`units/`) and scoring's
`scores.changed` (`review/scores.py`), through the inbox (`events_router.py`).
"""

from __future__ import annotations

from edudx_common.tables.outbox import ConsumedEvent, Event, EventSink
from submissions.campaigns import events as campaign_events
from submissions.review import events as review_events
from submissions.review.scores import ScoresChangedIn
from submissions.units import events as unit_events
from submissions.workflow import events as workflow_events

PUBLISHED: tuple[type[Event], ...] = (*campaign_events.PUBLISHED, *workflow_events.PUBLISHED,
                                      *review_events.PUBLISHED)
# (producer, model) of every event read here (events_router.py): identity's unit changes (units/service.py) and
# scoring's totals (review/scores.py).
CONSUMED: tuple[tuple[str, type[ConsumedEvent]], ...] = (*unit_events.CONSUMED, ("scoring", ScoresChangedIn))

__all__ = ["CONSUMED", "PUBLISHED", "EventSink"]
