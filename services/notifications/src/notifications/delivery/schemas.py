from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.timezone import LocalDateTime
from edudx_common.types import RequestModel
from notifications.delivery.models import EmailStatus
from notifications.kinds import NotificationKind
from notifications.preferences.categories import Category


class DeliveryRead(BaseModel):
    """One e-mail: to whom, about what, and how its delivery went (the body is not shown)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: NotificationKind
    category: Category
    campaign_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    unit_name: str | None
    to_addresses: list[str]
    cc_addresses: list[str]
    subject: str
    status: EmailStatus
    attempts: int = Field(description="Số lần đã thử gửi")
    last_error: str | None = Field(description="Lỗi lần thử gần nhất, hoặc lý do thất bại")
    created_at: LocalDateTime
    next_attempt_at: LocalDateTime
    give_up_at: LocalDateTime
    sent_at: LocalDateTime | None
    failed_at: LocalDateTime | None


class DeliverySummary(BaseModel):
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0


class ResendRequest(RequestModel):
    campaign_id: uuid.UUID = Field(description="Đợt báo cáo có thư cần gửi lại")


class ResendReportRead(BaseModel):
    sent_again: int = Field(description="Thư thất bại có người nhận, đã xếp hàng gửi lại")
    composed_again: int = Field(description="Thư thất bại vì đơn vị chưa có người nhận, được soạn lại theo danh bạ "
                                            "hiện tại")
