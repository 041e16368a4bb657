from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from edudx_common.auth import Role
from edudx_common.types import PartialUpdate, RequestModel, SingleLine
from edudx_common.vocabulary import UnitType


class UserCreate(RequestModel):
    email: EmailStr = Field(description="E-mail đăng nhập")
    full_name: SingleLine = Field(min_length=2, max_length=200, description="Họ và tên")
    phone: str | None = Field(default=None, max_length=40)
    unit_id: uuid.UUID
    roles: list[Role] = Field(min_length=1)
    send_invite: bool = Field(default=True, description="Gửi e-mail mời đặt mật khẩu")

    @field_validator("full_name")
    @classmethod
    def _normalise_name(cls, value: str) -> str:
        return " ".join(value.split())


class UserUpdate(PartialUpdate):
    """Only the fields sent are changed; null only clears the phone."""

    clearable = frozenset({"phone"})
    full_name: SingleLine | None = Field(default=None, min_length=2, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    unit_id: uuid.UUID | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    active: bool | None = None


class ProfileUpdate(PartialUpdate):
    """What users may change about themselves; null only clears the phone."""

    clearable = frozenset({"phone"})

    full_name: SingleLine | None = Field(default=None, min_length=2, max_length=200)
    phone: str | None = Field(default=None, max_length=40)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    phone: str | None
    unit_id: uuid.UUID
    roles: list[Role]
    active: bool
    has_password: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


class MeRead(UserRead):
    unit_name: str
    unit_code: str
    unit_type: UnitType
