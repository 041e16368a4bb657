from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, text
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class CommuneGrant(SQLModel, table=True):
    """Rights a Sở (`issuer_unit_id`) gave one official of a commune (UBND xã/phường) on the commune's schools, beyond
    the read-only view every commune official has: `reminders`, `review`. Revoking keeps the row (`revoked_at`)."""

    __tablename__ = "commune_grants"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="ck_commune_grants_dates"),
        # One grant in force per (official, commune, Sở): a change of rights or dates updates it.
        Index("uq_commune_grants_open", "user_id", "commune_id", "issuer_unit_id", unique=True,
              postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),
        Index("ix_commune_grants_commune", "commune_id"),
        Index("ix_commune_grants_issuer", "issuer_unit_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    commune_id: uuid.UUID = Field(foreign_key="units.id")
    issuer_unit_id: uuid.UUID = Field(foreign_key="units.id")
    rights: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    valid_from: date
    valid_to: date | None = None  # exclusive; None: until revoked
    note: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    revoked_by: str | None = Field(default=None, max_length=80)
