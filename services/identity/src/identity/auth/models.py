from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class RefreshToken(SQLModel, table=True):
    """A refresh token, stored only as its SHA-256.

    Each refresh replaces the token with a new one of the same family. Presenting a token that was
    already replaced means it leaked: the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    family_id: uuid.UUID = Field(index=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    replaced_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Indexed: services poll the sessions revoked in the last few minutes (identity.auth.revocations).
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))


class PasswordToken(SQLModel, table=True):
    """A single-use token e-mailed to set a password: `reset` (forgotten) or `invite` (new account)."""

    __tablename__ = "password_tokens"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    purpose: str = Field(max_length=10)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PasswordHistory(SQLModel, table=True):
    """A password a user had before: a new password must differ from the last few (`IDENTITY_PASSWORD_HISTORY`)."""

    __tablename__ = "password_history"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
