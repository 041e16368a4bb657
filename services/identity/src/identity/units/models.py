from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class UnitType(StrEnum):
    MINISTRY = "ministry"  # Bộ GDĐT
    DEPARTMENT = "department"  # Sở GDĐT
    DISTRICT_OFFICE = "district_office"  # Phòng GDĐT
    SCHOOL = "school"  # Trường
    CENTER = "center"  # Trung tâm (GDNN-GDTX …): reports like a school

    @property
    def is_authority(self) -> bool:
        return self in (UnitType.MINISTRY, UnitType.DEPARTMENT, UnitType.DISTRICT_OFFICE)


class EducationLevel(StrEnum):
    PRESCHOOL = "mam_non"
    PRIMARY = "tieu_hoc"
    LOWER_SECONDARY = "thcs"
    UPPER_SECONDARY = "thpt"
    CONTINUING = "gdtx"


class Unit(SQLModel, table=True):
    """A node of the education administration tree.

    `path` is the materialised chain of ids from the root ("/a/b/c/"), so subtree and ancestor queries
    are one indexed query at any depth. Units with history are never deleted: they are deactivated, or
    merged (the merged unit stays, inactive, as a child of the unit it went into, so anything recorded
    against its id stays inside the same authorities' scope).
    """

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("id <> parent_id", name="ck_units_not_own_parent"),
        CheckConstraint("depth >= 0", name="ck_units_depth"),
        Index("ix_units_parent_active", "parent_id", "active"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=255)
    name_folded: str = Field(max_length=300, index=True)
    type: str = Field(max_length=20)
    education_levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="units.id", index=True)
    path: str = Field(max_length=2000, index=True)
    depth: int = 0
    address: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=40)
    active: bool = True
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="units.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class UnitChange(SQLModel, table=True):
    """Append-only history of a unit: what changed, who changed it, before and after."""

    __tablename__ = "unit_changes"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    kind: str = Field(max_length=20)  # created | updated | moved | merged | absorbed | deactivated | reactivated
    actor_id: str | None = Field(default=None, max_length=80)
    request_id: str | None = Field(default=None, max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
