from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class IntegrationClient(SQLModel, table=True):
    """An outside system (a province dashboard, the sector database) reading one unit's subtree with its own
    credentials. The secret is stored only as its SHA-256: it is 256 random bits, so a slow hash adds nothing."""

    __tablename__ = "integration_clients"
    __table_args__ = (CheckConstraint("scope IN ('read', 'read write')", name="ck_integration_clients_scope"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    client_id: str = Field(max_length=40, unique=True)
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=200)
    unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    scope: str = Field(max_length=20)
    created_by: uuid.UUID | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Indexed: services poll the clients revoked within the tokens' lifetime, as they do sessions.
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
