from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.timezone import LocalDateTime
from notifications.kinds import NotificationKind
from notifications.preferences.categories import Category


class FeedItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: NotificationKind
    category: Category
    title: str = Field(description="Ví dụ 'Nhắc hạn nộp: Báo cáo tổng kết …'")
    body: str = Field(description="Ví dụ 'Hạn nộp: 17:00 ngày 15/12/2026 (còn 3 ngày).'")
    link: str | None = Field(description="Đường dẫn trong ứng dụng, ví dụ /campaigns/<id> hoặc /submissions/<id>")
    campaign_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    created_at: LocalDateTime
    read_at: LocalDateTime | None


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    updated: int = Field(description="Số thông báo vừa được đánh dấu đã đọc")
