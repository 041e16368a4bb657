"""What this service reads of identity's `unit.changed` (only the fields used here).

`former_path`, `commune_id` and `former_commune_id` come with the post-2025 unit model (reorganisations, communes);
an event without them changes no path and only refreshes the unit's grouping.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from edudx_common.outbox import ConsumedEvent


class UnitChangedIn(ConsumedEvent):
    event_type: ClassVar[str] = "unit.changed"
    unit_id: uuid.UUID
    path: str
    position: int
    former_path: str | None = Field(default=None, description="Set when the unit's path changed in this change")
    commune_id: uuid.UUID | None = None
    former_commune_id: uuid.UUID | None = None


CONSUMED: tuple[tuple[str, type[ConsumedEvent]], ...] = (("identity", UnitChangedIn),)
