from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class Rubric(SQLModel, table=True):
    """One version of a rubric. Versions never change: a campaign keeps scoring against the one it chose.

    `family_id` ties the versions of one rubric together; `owner_unit_id` is the authority that maintains it
    (None: a national template everyone may use, such as the QĐ 4725 reference).
    """

    __tablename__ = "rubrics"
    __table_args__ = (
        UniqueConstraint("family_id", "version", name="uq_rubrics_family_version"),
        CheckConstraint("version >= 1", name="ck_rubrics_version"),
        CheckConstraint("mode IN ('total_bands', 'group_levels')", name="ck_rubrics_mode"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    family_id: uuid.UUID = Field(index=True)
    version: int
    owner_unit_id: uuid.UUID | None = Field(default=None, index=True)
    title: str = Field(max_length=500)
    mode: str = Field(max_length=20)
    is_template: bool = False
    # Seeded rubrics carry a key, so seeding twice finds them instead of adding copies.
    template_key: str | None = Field(default=None, max_length=60, unique=True)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=80)
    created_by_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
