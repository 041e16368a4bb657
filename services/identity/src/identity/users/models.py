from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    # Stored lower-cased: the login is case-insensitive and unique.
    email: str = Field(max_length=255, unique=True, index=True)
    full_name: str = Field(max_length=200)
    full_name_folded: str = Field(max_length=200, index=True)
    phone: str | None = Field(default=None, max_length=40)
    unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    # None until the user sets a password from the invitation e-mail.
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    password_changed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # When the last password-reset e-mail was sent: one per `IDENTITY_PASSWORD_RESET_COOLDOWN_MINUTES`.
    reset_requested_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class UserRole(SQLModel, table=True):
    """One row per role a user holds (a table, not a list column, so 'principals of unit X' is a query)."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_roles"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    role: str = Field(max_length=30, index=True)
