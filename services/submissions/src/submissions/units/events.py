"""What this service reads of identity's `unit.changed` (only the fields used here).

`former_path` comes with the post-2025 unit model (reorganisations); an event without it changes no path and only
refreshes the unit's grouping (read from identity, which names the commune and clusters).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from edudx_common.tables.outbox import ConsumedEvent


class UnitChangedIn(ConsumedEvent):
    event_type: ClassVar[str] = "unit.changed"
    unit_id: uuid.UUID
    path: str
    position: int
    former_path: str | None = Field(default=None, description="Set when the unit's path changed in this change")


CONSUMED: tuple[tuple[str, type[ConsumedEvent]], ...] = (("identity", UnitChangedIn),)
