"""Events identity publishes (`changes.py`): their JSON Schemas are exported to `events/identity/`."""

from __future__ import annotations

from edudx_common.tables.outbox import Event
from identity.changes import PUBLISHED as CHANGE_EVENTS

PUBLISHED: tuple[type[Event], ...] = CHANGE_EVENTS
