from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class Outline(SQLModel, table=True):
    """A report outline (đề cương) in an authority's library. Campaigns copy it, so editing it later
    never changes what a published campaign asks for."""

    __tablename__ = "outlines"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    # None: a template every authority can use (the seeded ones).
    owner_unit_id: uuid.UUID | None = Field(default=None, index=True)
    name: str = Field(max_length=300)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
