from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime


class UnitContact(SQLModel, table=True):
    """A unit as identity described it when we last asked: its contact e-mail, its parent, and the people we
    write to there (principal, IT officer, authority admins, reviewers). A cache, refreshed after a TTL."""

    __tablename__ = "unit_contacts"

    unit_id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=255)
    code: str = Field(max_length=40)
    type: str = Field(max_length=20)
    email: str | None = Field(default=None, max_length=320)
    parent_id: uuid.UUID | None = None
    path: str = Field(max_length=2000)  # "/<root hex>/…/<unit hex>/"
    active: bool = True
    commune_id: uuid.UUID | None = None  # a school's UBND xã/phường (whose officials a Sở may grant `reminders`)
    # [{"user_id", "email", "full_name", "roles": [...]}] of the active accounts with the roles we write to; on a
    # commune, its officials holding a Sở's `reminders` grant carry the role `commune_reminders`.
    people: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fetched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))


class ProducerPosition(SQLModel, table=True):
    """How far this service's copy of a producer's data has caught up: the position of the latest change event
    from that producer applied here (identity's user and unit changes). Compared with the producer's own
    position, it tells whether the copy is current."""

    __tablename__ = "producer_positions"

    producer: str = Field(primary_key=True, max_length=50)
    position: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    applied_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
