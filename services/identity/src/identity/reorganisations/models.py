from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class ReorganisationKind(StrEnum):
    ARCHIVE_OFFICE = "archive_office"  # a Phòng GDĐT is abolished: its schools go to its Sở
    MERGE_DEPARTMENTS = "merge_departments"  # 2–3 Sở become one (provinces merged on 1/7/2025)
    MOVE_SCHOOL_COMMUNE = "move_school_commune"  # a school's administrative owner changes
    MOVE_UNIT = "move_unit"  # a unit's professional parent changes
    RECODE = "recode"  # a new code; the old one is kept as former


class ReorganisationStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Reorganisation(SQLModel, table=True):
    """A change of the tree prepared as a preview, applied only when someone confirms it."""

    __tablename__ = "reorganisations"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'cancelled')", name="ck_reorganisations_status"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=30)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    preview: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=ReorganisationStatus.PENDING, max_length=10, index=True)
    effective_date: date
    # The path of the lowest unit every affected unit lies under: who may see and confirm it.
    scope_path: str = Field(max_length=2000)
    created_by: str | None = Field(default=None, max_length=80)
    confirmed_by: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
