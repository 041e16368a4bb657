from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow
from edudx_common.vocabulary import UnitType as UnitType  # re-exported: identity names it here


class RelationKind(StrEnum):
    PROFESSIONAL = "professional"  # parent_id: Sở (historically Phòng) → school; carries campaigns and review
    ADMINISTRATIVE = "administrative"  # commune_id: UBND xã/phường → school


class CodeKind(StrEnum):
    CURRENT = "current"
    FORMER = "former"


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
    # The day the unit stopped (archived, merged or deactivated): the tree `as_of` an earlier day shows it active.
    inactive_from: date | None = None
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="units.id")
    # The school's administrative owner (a COMMUNE unit) today; its dated history is in unit_relations (whose
    # foreign keys hold). No foreign key here: adding one rebuilds the table on SQLite, which its rows' other
    # references refuse; the service sets it only to an existing commune, and units are never deleted.
    commune_id: uuid.UUID | None = Field(default=None, index=True)
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


class UnitRelation(SQLModel, table=True):
    """A dated edge: `unit_id` was under `related_unit_id` from `valid_from` (inclusive) to `valid_to` (exclusive;
    null: still). Written with every change of parent_id (professional) or commune_id (administrative), so the tree
    can be answered as it stood on any date."""

    __tablename__ = "unit_relations"
    __table_args__ = (
        CheckConstraint("kind IN ('professional', 'administrative')", name="ck_unit_relations_kind"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_unit_relations_dates"),
        Index("ix_unit_relations_unit_kind", "unit_id", "kind"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="units.id")
    kind: str = Field(max_length=20)
    related_unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    valid_from: date
    valid_to: date | None = None


class UnitCode(SQLModel, table=True):
    """Every code a unit has had (QĐ 19/2025 renumbering): one current, any number of former; a code is never
    given to another unit, so an old code in an old document still finds its unit."""

    __tablename__ = "unit_codes"
    __table_args__ = (CheckConstraint("kind IN ('current', 'former')", name="ck_unit_codes_kind"),)

    code: str = Field(max_length=40, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    kind: str = Field(max_length=10)
    valid_from: date
    valid_to: date | None = None
    note: str | None = Field(default=None, max_length=255)


class UnitCluster(SQLModel, table=True):
    """A cụm trường: a grouping of schools the Sở defines for review and roll-ups."""

    __tablename__ = "unit_clusters"
    __table_args__ = (UniqueConstraint("owner_unit_id", "code", name="uq_unit_clusters_owner_code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    owner_unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=255)
    active: bool = True


class UnitClusterMember(SQLModel, table=True):
    """A school in a cluster from `valid_from` to `valid_to` (exclusive; null: still)."""

    __tablename__ = "unit_cluster_members"
    __table_args__ = (Index("ix_unit_cluster_members_cluster_unit", "cluster_id", "unit_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    cluster_id: uuid.UUID = Field(foreign_key="unit_clusters.id")
    unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    valid_from: date
    valid_to: date | None = None
