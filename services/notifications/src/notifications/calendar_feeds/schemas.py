from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.timezone import LocalDateTime
from edudx_common.types import RequestModel, SingleLine
from notifications.calendar_feeds.models import FeedScope


class CalendarFeedCreate(RequestModel):
    scope: FeedScope = Field(description="unit: lịch của đơn vị (dùng chung); user: lịch của riêng người dùng, "
                                         "theo đơn vị hiện tại của họ")
    unit_id: uuid.UUID | None = Field(default=None, description="Với scope=unit: đơn vị (mặc định: đơn vị của mình)")
    name: SingleLine | None = Field(default=None, max_length=100,
                             description="Tên gợi nhớ, ví dụ 'Điện thoại của Hiệu trưởng'")


class CalendarFeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    scope: FeedScope
    unit_id: uuid.UUID
    user_id: uuid.UUID | None
    name: str | None
    token_hint: str = Field(description="Vài ký tự đầu của mã bí mật, để phân biệt các đường dẫn")
    created_at: LocalDateTime
    last_used_at: LocalDateTime | None


class CalendarFeedCreated(CalendarFeedRead):
    url: str = Field(description="Đường dẫn bí mật của lịch (chỉ hiện một lần; mất thì tạo lại)")
    webcal_url: str = Field(description="Cùng đường dẫn với webcal://, để điện thoại mở thẳng ứng dụng lịch")
