from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from edudx_common.types import RequestModel


class LoginRequest(RequestModel):
    # Not EmailStr: a login is looked up, not validated, and must not fail on an odd but existing address.
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Số giây mã truy cập còn hiệu lực")
    refresh_token: str
    refresh_expires_in: int


class ServiceToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class PasswordResetRequest(RequestModel):
    email: EmailStr


class PasswordResetConfirm(RequestModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class RevokedSessions(BaseModel):
    sessions: list[uuid.UUID] = Field(description="Ids (`sid` claim) of sessions revoked within the window")
    window_seconds: int = Field(description="How far back the list reaches: the access tokens' lifetime and a margin")
