from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.types import RequestModel, SingleLine


class ClientScope(StrEnum):
    READ = "read"
    READ_WRITE = "read write"


class IntegrationClientCreate(RequestModel):
    name: SingleLine = Field(min_length=1, max_length=200,
                             description="Tên hệ thống tích hợp, ví dụ «Bảng điều khiển Sở»")
    unit_id: uuid.UUID | None = Field(
        default=None, description="Đơn vị gốc của phạm vi đọc; mặc định là đơn vị của người tạo")
    scope: ClientScope = Field(default=ClientScope.READ,
                               description="`read`: chỉ đọc; `read write`: thêm quyền của chuyên viên thẩm định")
    expires_at: datetime | None = Field(default=None,
                                        description="Hết hiệu lực lúc (RFC 3339); bỏ trống: không hết hạn")


class IntegrationClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: str
    name: str
    unit_id: uuid.UUID
    scope: ClientScope
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="Lần gần nhất ứng dụng lấy mã truy cập")
    active: bool = Field(description="Chưa thu hồi và chưa hết hạn")


class IntegrationClientCreated(IntegrationClientRead):
    client_secret: str = Field(description="Chỉ hiển thị một lần: EduDX chỉ lưu giá trị băm")


class ClientTokenResponse(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Số giây mã truy cập còn hiệu lực")
    scope: ClientScope


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2 error response (not problem+json: OAuth libraries read this shape)."""

    error: str = Field(description="invalid_request | invalid_client | unsupported_grant_type | invalid_scope")
    error_description: str | None = None
